package dev.switchboard.server.transport.json;

import dev.switchboard.protocol.json.CompactJson;
import dev.switchboard.protocol.Ops;
import dev.switchboard.protocol.json.JsonWritable;
import java.math.BigInteger;
import java.util.Map;
import tools.jackson.core.JsonGenerator;

/**
 * A successful answer on the native protocol, {@code {"op":"reply","id":...,"result":{...}}},
 * written in one pass of the streaming generator: no envelope map is built per request, and a
 * typed result (a lock grant, say) writes itself too. Same bytes, in the same field order, as
 * the map it replaces (protocol.md; ProtocolDocTest).
 *
 * @param id the request's correlation id as sent (a string or an integer), or null
 */
record ReplyMessage(Object id, Map<String, Object> result) implements JsonWritable {
    @Override
    public void writeJson(JsonGenerator g) {
        g.writeStartObject();
        g.writeStringProperty("op", Ops.REPLY);
        if (id != null) {
            g.writeName("id");
            writeId(g, id);
        }
        g.writeName("result");
        if (result instanceof JsonWritable typed) {
            typed.writeJson(g);
        } else {
            g.writePOJO(result);
        }
        g.writeEndObject();
    }

    @Override
    public boolean writeCompact(CompactJson out) {
        if (!(result instanceof JsonWritable typed) || id != null && !(id instanceof Integer || id instanceof Long
                || id instanceof String s && CompactJson.isPlain(s))) {
            return false;
        }
        int start = out.position();
        out.stringField("op", Ops.REPLY);
        if (id instanceof String s) {
            out.stringField("id", s);
        } else if (id != null) {
            out.numberField("id", ((Number) id).longValue());
        }
        out.name("result");
        if (!typed.writeCompact(out)) {
            out.truncate(start);
            return false;
        }
        out.endObject(start);
        return true;
    }

    @Override
    public boolean plainValuesOnly() {
        return result instanceof JsonWritable typed && typed.plainValuesOnly();
    }

    private static void writeId(JsonGenerator g, Object id) {
        if (id instanceof String s) {
            g.writeString(s);
        } else if (id instanceof Integer i) {
            g.writeNumber(i);
        } else if (id instanceof Long l) {
            g.writeNumber(l);
        } else if (id instanceof BigInteger b) {
            g.writeNumber(b);
        } else {
            g.writePOJO(id);
        }
    }
}
