package dev.switchboard.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.protocol.json.ProtocolJson;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JsonGenerator;

class PayloadFieldsTest {
    @SuppressWarnings("unchecked")
    private static Frame frame(String json) {
        Map<String, Object> fields = ProtocolJson.MAPPER.readValue(json, Map.class);
        return new Frame("x", null, fields);
    }

    private static String written(Payload p) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = ProtocolJson.MAPPER.createGenerator(out)) {
            g.writeStartObject();
            PayloadFields.write(p, g);
            g.writeEndObject();
        }
        return out.toString();
    }

    private static String mapped(Payload p) {
        Map<String, Object> m = new LinkedHashMap<>();
        PayloadFields.put(m, p);
        return ProtocolJson.MAPPER.writeValueAsString(m);
    }

    @Test
    void aStringIsTextAndGoesBackAsAString() {
        Payload p = PayloadFields.read(frame("{\"payload\":\"héllo\"}"));
        assertThat(p.kind()).isEqualTo(Payload.Kind.TEXT);
        assertThat(p.utf8()).isEqualTo("héllo");
        assertThat(written(p)).isEqualTo("{\"payload\":\"héllo\"}");
        assertThat(mapped(p)).isEqualTo("{\"payload\":\"héllo\"}");
    }

    @Test
    void anyOtherJsonValueGoesBackAsTheSameValue() {
        for (String value : new String[] {"{\"a\":[1,true,null]}", "[1,2]", "42", "true", "null", "1.50"}) {
            Payload p = PayloadFields.read(frame("{\"payload\":" + value + "}"));
            assertThat(p.kind()).as(value).isEqualTo(Payload.Kind.JSON);
            assertThat(written(p)).as(value).isEqualTo("{\"payload\":" + value + "}");
            assertThat(mapped(p)).as(value).isEqualTo("{\"payload\":" + value + "}");
        }
    }

    @Test
    void base64IsBytesAndGoesBackAsBase64() {
        Payload p = PayloadFields.read(frame("{\"payload_b64\":\"AP8Q\"}"));
        assertThat(p.kind()).isEqualTo(Payload.Kind.BINARY);
        assertThat(p.toByteArray()).containsExactly(0x00, 0xff, 0x10);
        assertThat(written(p)).isEqualTo("{\"payload_b64\":\"AP8Q\"}");
        assertThat(mapped(p)).isEqualTo("{\"payload_b64\":\"AP8Q\"}");
        assertThat(Payload.binary("AP8Q".getBytes(StandardCharsets.US_ASCII))).isNotEqualTo(Payload.ofUtf8("AP8Q"));
    }

    @Test
    void refusesBothFieldsBadBase64AndNone() {
        assertThatThrownBy(() -> PayloadFields.read(frame("{\"payload\":\"a\",\"payload_b64\":\"AA==\"}")))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("not both");
        assertThatThrownBy(() -> PayloadFields.read(frame("{\"payload_b64\":\"***\"}")))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("base64");
        assertThatThrownBy(() -> PayloadFields.read(frame("{\"payload_b64\":5}")))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("base64 string");
        assertThatThrownBy(() -> PayloadFields.read(frame("{}")))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("required");
        assertThat(PayloadFields.readOptional(frame("{}"))).isNull();
    }
}
