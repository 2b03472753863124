package dev.switchboard.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The compact request scanner reads exactly what the mapper reads, or leaves the message to it. */
class CompactObjectScannerTest {
    private static Map<String, Object> scan(String json) {
        byte[] bytes = ("xx" + json).getBytes(StandardCharsets.UTF_8);
        return CompactObjectScanner.scan(bytes, 2, bytes.length - 2);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> mapper(String json) {
        return ProtocolJson.MAPPER.readValue(json, Map.class);
    }

    @Test
    void aLockRequestIsReadWithTheMappersTypesAndOrder() {
        Map<String, Object> fields = scan("{\"op\":\"lock.acquire\",\"id\":7,\"key\":\"orders\",\"timeout_ms\":5000,\"lease_ms\":30000000000,\"wait\":true,\"x\":null,\"n\":-12}");
        assertThat(fields).containsExactly(Map.entry("op", "lock.acquire"), Map.entry("id", 7), Map.entry("key", "orders"),
                Map.entry("timeout_ms", 5000), Map.entry("lease_ms", 30000000000L), Map.entry("wait", true),
                new java.util.AbstractMap.SimpleEntry<>("x", null), Map.entry("n", -12));
    }

    @Test
    void theCommonNamesComeAsTheConstantsSoALookupFindsThemByIdentity() {
        Map<String, Object> fields = scan("{\"op\":\"lock.release\",\"id\":1,\"key\":\"k\",\"token\":\"t\"}");
        String keyName = fields.keySet().stream().filter(n -> n.equals("key")).findFirst().orElseThrow();
        assertThat(keyName).isSameAs("key");
        assertThat(fields.get("op")).isSameAs(dev.switchboard.protocol.Ops.LOCK_RELEASE);
        assertThat(scan("{\"op\":\"lock.releas\"}").get("op")).isEqualTo("lock.releas"); // not an op it knows: a string of its own
        // A name built at run time is the same field.
        assertThat(fields.get(new String(new char[] {'t', 'o', 'k', 'e', 'n'}))).isEqualTo("t");
        assertThat(fields.containsKey("lease_ms")).isFalse();
        assertThat(fields.get("lease_ms")).isNull();
    }

    @Test
    void manyFieldsAreAllKeptInOrder() {
        StringBuilder json = new StringBuilder("{");
        Map<String, Object> expected = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 20; i++) {
            json.append(i == 0 ? "" : ",").append("\"f").append(i).append("\":").append(i);
            expected.put("f" + i, i);
        }
        Map<String, Object> fields = scan(json.append('}').toString());
        assertThat(fields).containsExactlyEntriesOf(expected);
        assertThat(fields).isEqualTo(expected);
        assertThat(fields.get("f19")).isEqualTo(19);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"op\": \"lock.acquire\"}",              // whitespace
        " {\"op\":\"a\"}",
        "{\"op\":\"a\"} ",
        "{\"op\":\"a\\n\"}",                       // an escape
        "{\"op\":\"caf\u00e9\"}",                  // non-ASCII
        "{\"n\":1.5}",
        "{\"n\":1e3}",
        "{\"n\":0123}",
        "{\"n\":1234567890123456789}",             // 19 digits: the parser decides
        "{\"n\":-}",
        "{\"a\":1,\"a\":2}",                       // a key twice
        "{\"a\":null,\"a\":null}",
        "{\"a\":{\"b\":1}}",
        "{\"a\":[1]}",
        "{\"a\":tru}",
        "{\"a\":1}{}",
        "{\"a\":1",
        "[1]",
        "",
    })
    void anythingElseIsLeftToTheParser(String json) {
        assertThat(scan(json)).isNull();
    }

    @Test
    void randomFlatObjectsAreReadAsTheMapperReadsThemOrLeftToIt() {
        Random random = new Random(5);
        String chars = "abcXYZ09-_.:/{}[]~@ \"\\\u00e9\n";
        int scanned = 0;
        for (int i = 0; i < 3000; i++) {
            StringBuilder json = new StringBuilder("{");
            int n = random.nextInt(7);
            List<String> names = new ArrayList<>();
            for (int f = 0; f < n; f++) {
                if (f > 0) {
                    json.append(random.nextInt(40) == 0 ? ", " : ",");
                }
                String name = random.nextInt(30) == 0 && !names.isEmpty() ? names.get(0) : "f" + f;
                names.add(name);
                json.append('"').append(name).append("\":");
                switch (random.nextInt(6)) {
                    case 0 -> json.append(random.nextInt());
                    case 1 -> json.append(random.nextLong() / (1 + random.nextInt(1000)));
                    case 2 -> json.append(random.nextBoolean());
                    case 3 -> json.append("null");
                    default -> {
                        json.append('"');
                        int len = random.nextInt(12);
                        for (int k = 0; k < len; k++) {
                            char c = chars.charAt(random.nextInt(random.nextInt(4) == 0 ? chars.length() : 20));
                            json.append(c == '"' || c == '\\' ? "\\" + c : c == '\n' ? "\\n" : String.valueOf(c));
                        }
                        json.append('"');
                    }
                }
            }
            json.append('}');
            String text = json.toString();
            Map<String, Object> fast = scan(text);
            if (fast == null) {
                continue;
            }
            scanned++;
            Map<String, Object> parsed = mapper(text);
            assertThat(new ArrayList<>(fast.entrySet())).as(text).isEqualTo(new ArrayList<>(parsed.entrySet()));
            for (String name : fast.keySet()) {
                Object a = fast.get(name);
                Object b = parsed.get(name);
                assertThat(a == null ? null : a.getClass()).as("%s in %s", name, text).isEqualTo(b == null ? null : b.getClass());
            }
        }
        assertThat(scanned).isGreaterThan(1000);
    }
}
