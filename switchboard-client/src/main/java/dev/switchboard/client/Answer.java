package dev.switchboard.client;

import dev.switchboard.protocol.json.ProtocolJson;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a request got back: the {@code result} of a {@code reply} (or the whole message, for
 * {@code welcome} and {@code pong}). A flat result of a few strings and integers — every lock
 * operation's — is read straight off the wire into this object's small arrays by
 * {@link ServerMessageDecoder}, without a JSON tree; anything else keeps its tree.
 */
final class Answer {
    private static final int MAX_FLAT_FIELDS = 8;

    private final JsonNode tree;
    private final String[] names;
    private final Object[] values; // String or Long
    private int size;

    private Answer(JsonNode tree, boolean flat) {
        this.tree = tree;
        this.names = flat ? new String[MAX_FLAT_FIELDS] : null;
        this.values = flat ? new Object[MAX_FLAT_FIELDS] : null;
    }

    static Answer of(JsonNode tree) {
        return new Answer(tree, false);
    }

    static Answer flat() {
        return new Answer(null, true);
    }

    /**
     * Adds a field of a flat answer; false when it has no room left or the name came already (the
     * caller falls back to the tree decoder, which refuses a repeated key).
     */
    boolean add(String name, Object value) {
        if (size == MAX_FLAT_FIELDS || find(name) != null) {
            return false;
        }
        names[size] = name;
        values[size] = value;
        size++;
        return true;
    }

    /** The string field {@code name}, or null when absent or not a string. */
    String string(String name) {
        if (tree != null) {
            JsonNode v = tree.get(name);
            return v != null && v.isString() ? v.stringValue() : null;
        }
        return find(name) instanceof String s ? s : null;
    }

    /** The integer field {@code name} (within a long), or null when absent or not an integer. */
    Long integer(String name) {
        if (tree != null) {
            JsonNode v = tree.get(name);
            return v != null && v.isIntegralNumber() && v.canConvertToLong() ? v.asLong() : null;
        }
        return find(name) instanceof Long l ? l : null;
    }

    boolean has(String name) {
        return tree != null ? tree.get(name) != null : find(name) != null;
    }

    /** The answer as a JSON object (built on demand for a flat one; the hot paths never ask). */
    JsonNode tree() {
        if (tree != null) {
            return tree;
        }
        ObjectNode node = ProtocolJson.MAPPER.createObjectNode();
        for (int i = 0; i < size; i++) {
            if (values[i] instanceof Long l) {
                node.put(names[i], l);
            } else {
                node.put(names[i], (String) values[i]);
            }
        }
        return node;
    }

    private Object find(String name) {
        for (int i = 0; i < size; i++) {
            if (names[i].equals(name)) {
                return values[i];
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return tree().toString();
    }
}
