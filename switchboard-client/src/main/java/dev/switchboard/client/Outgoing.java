package dev.switchboard.client;

import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A message the client sends, written once with the streaming generator straight into the
 * outgoing buffer (see {@link Connection}): the connection writes {@code op} and the id it
 * assigns, then the message its other fields.
 */
interface Outgoing {
    String op();

    /** Writes the fields after {@code op} and {@code id}, inside the message's object. */
    void writeFields(JsonGenerator g);

    /** The connection gave the message this request id (once per send: again when resent after a reconnect). */
    default void assigned(long requestId) {
    }

    /**
     * Writes the same fields as {@link #writeFields}, each with its leading comma, with
     * {@link dev.switchboard.protocol.json.CompactJson} instead of a generator, when every one of them is plain; returns false,
     * having written nothing, when one is not (the generator then writes the message). The bytes
     * are the generator's, byte for byte.
     */
    default boolean writeCompactFields(dev.switchboard.protocol.json.CompactJson out) {
        return false;
    }

    /** True when {@link #writeFields} writes strings and numbers only (see {@code JsonWritable#plainValuesOnly}). */
    default boolean plainValuesOnly() {
        return false;
    }

    /** A message built as a JSON tree (the handshake and the rarer operations); its {@code op} field is skipped. */
    static Outgoing of(ObjectNode msg) {
        String op = msg.path("op").asString("?");
        return new Outgoing() {
            @Override
            public String op() {
                return op;
            }

            @Override
            public void writeFields(JsonGenerator g) {
                for (java.util.Map.Entry<String, JsonNode> e : msg.properties()) {
                    if (!e.getKey().equals("op") && !e.getKey().equals("id")) {
                        g.writeName(e.getKey());
                        g.writePOJO(e.getValue());
                    }
                }
            }
        };
    }
}
