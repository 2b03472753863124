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
}
