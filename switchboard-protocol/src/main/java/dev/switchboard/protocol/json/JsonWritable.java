package dev.switchboard.protocol.json;

import tools.jackson.core.JsonGenerator;

/**
 * A message that writes itself as one JSON object with Jackson's streaming generator, straight
 * into the outgoing buffer: no map or tree is built for it first. The hot messages (a request
 * from the Java client, a reply to a lock operation) are encoded this way.
 */
public interface JsonWritable {
    /** Writes the whole object, from its start to its end. */
    void writeJson(JsonGenerator out);

    /**
     * True when {@link #writeJson} writes only strings, numbers, booleans and nulls by itself
     * (never {@code writePOJO}): it can then go through a bare generator, without the object
     * mapper's serialization context, which costs more to set up than a small message costs to write.
     */
    default boolean plainValuesOnly() {
        return false;
    }

    /**
     * Writes the same object as {@link #writeJson}, byte for byte, with {@link CompactJson} instead
     * of a generator, when every name and value in it is plain; returns false, having written
     * nothing, when one is not (the generator then writes it).
     */
    default boolean writeCompact(CompactJson out) {
        return false;
    }
}
