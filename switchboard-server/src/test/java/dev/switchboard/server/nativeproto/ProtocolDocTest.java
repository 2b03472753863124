package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Replays every {@code session} block of docs/protocol.md and docs/messaging.md against a fresh
 * server and compares each answer with the documented one, so the wire pages cannot drift from
 * the server.
 */
class ProtocolDocTest {
    /** Each page with the fewest blocks it must have (a page that lost its examples fails). */
    private static final Map<String, Integer> DOCS = Map.of("protocol.md", 5, "messaging.md", 4);
    private static final Pattern BLOCK = Pattern.compile("```session\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern LINE = Pattern.compile("^([CS])(\\d*): (.*)$");

    static Stream<Arguments> blocks() throws IOException {
        List<Arguments> out = new ArrayList<>();
        for (Map.Entry<String, Integer> page : new TreeMap<>(DOCS).entrySet()) {
            String doc = Files.readString(Path.of("..", "docs", page.getKey()));
            // messaging.md's publish/subscribe sections need a server with topic history and an
            // ACL: MessagingPubSubDocTest replays those, from this heading on.
            int pubsub = doc.indexOf("\n## Publish/subscribe\n");
            if (page.getKey().equals("messaging.md") && pubsub >= 0) doc = doc.substring(0, pubsub);
            Matcher m = BLOCK.matcher(doc);
            int found = 0;
            while (m.find()) {
                int line = doc.substring(0, m.start()).split("\n", -1).length;
                out.add(Arguments.of(page.getKey() + ":" + line, m.group(1)));
                found++;
            }
            assertThat(found).as("session blocks in docs/%s", page.getKey()).isGreaterThanOrEqualTo(page.getValue());
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("blocks")
    void documentedExchangeMatchesServer(String where, String block) throws Exception {
        try (Switchboard sb = Switchboard.builder().port(0).start()) {
            replay(where, block, sb.port());
        }
    }

    /**
     * Plays one {@code session} block against the server on {@code port}: {@code C<n>:} lines are
     * sent on connection n (JSON lines), {@code S<n>:} lines must match what that connection reads
     * next, where {@code "$NAME"} binds a value (or must equal the bound one) and {@code "$ANY"}
     * takes anything. Other docs' tests (messaging.md's) replay their blocks the same way.
     */
    static void replay(String where, String block, int port) throws Exception {
        Map<String, NativeClient> clients = new TreeMap<>();
        Map<String, JsonNode> vars = new HashMap<>();
        try {
            for (String raw : block.split("\n")) {
                if (raw.isBlank()) continue;
                Matcher lm = LINE.matcher(raw);
                assertThat(lm.matches()).as("%s: bad example line %s", where, raw).isTrue();
                String conn = lm.group(2);
                NativeClient c = clients.get(conn);
                if (c == null) {
                    c = NativeClient.lines(port);
                    clients.put(conn, c);
                }
                JsonNode doc = NativeClient.JSON.readTree(lm.group(3));
                if (lm.group(1).equals("C")) {
                    c.send(NativeClient.JSON.writeValueAsString(substitute(doc, vars)));
                } else {
                    JsonNode actual = c.read();
                    while ("ping".equals(actual.path("op").asString())) actual = c.read();
                    List<String> problems = new ArrayList<>();
                    match(doc, actual, vars, "$", problems);
                    assertThat(problems).as("%s: %s%n  got %s", where, raw, actual).isEmpty();
                }
            }
        } finally {
            for (NativeClient c : clients.values()) c.close();
        }
    }

    private static JsonNode substitute(JsonNode node, Map<String, JsonNode> vars) {
        if (node.isString() && node.asString().startsWith("$")) {
            JsonNode bound = vars.get(node.asString().substring(1));
            assertThat(bound).as("variable %s used before it was bound", node.asString()).isNotNull();
            return bound;
        }
        if (node.isObject()) {
            ObjectNode copy = NativeClient.JSON.createObjectNode();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                copy.set(e.getKey(), substitute(e.getValue(), vars));
            }
            return copy;
        }
        return node;
    }

    private static void match(JsonNode expected, JsonNode actual, Map<String, JsonNode> vars, String path,
                              List<String> problems) {
        if (expected.isString() && expected.asString().startsWith("$")) {
            String name = expected.asString().substring(1);
            if (name.equals("ANY")) {
                if (actual == null || actual.isMissingNode()) problems.add(path + " is missing");
                return;
            }
            JsonNode bound = vars.get(name);
            if (bound == null) {
                vars.put(name, actual);
            } else if (!bound.equals(actual)) {
                problems.add(path + ": expected $" + name + " = " + bound + ", got " + actual);
            }
            return;
        }
        if (expected.isObject()) {
            if (actual == null || !actual.isObject()) {
                problems.add(path + ": expected an object, got " + actual);
                return;
            }
            for (Iterator<String> it = expected.propertyNames().iterator(); it.hasNext(); ) {
                String k = it.next();
                if (!actual.has(k)) problems.add(path + "." + k + " is missing");
                else match(expected.get(k), actual.get(k), vars, path + "." + k, problems);
            }
            for (Iterator<String> it = actual.propertyNames().iterator(); it.hasNext(); ) {
                String k = it.next();
                if (!expected.has(k)) problems.add(path + "." + k + " is not documented");
            }
            return;
        }
        if (expected.isArray()) {
            // Element by element, so that variables work inside lists (a request-many's replies).
            if (actual == null || !actual.isArray() || actual.size() != expected.size()) {
                problems.add(path + ": expected " + expected + ", got " + actual);
                return;
            }
            for (int i = 0; i < expected.size(); i++) match(expected.get(i), actual.get(i), vars, path + "[" + i + "]", problems);
            return;
        }
        if (!expected.equals(actual) && !(expected.isNumber() && actual != null && actual.isNumber()
                && expected.decimalValue().compareTo(actual.decimalValue()) == 0)) {
            problems.add(path + ": expected " + expected + ", got " + actual);
        }
    }
}
