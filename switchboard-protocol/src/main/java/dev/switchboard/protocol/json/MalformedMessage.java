package dev.switchboard.protocol.json;

/**
 * A framed message that is not a request: not one JSON object (bad JSON, bad UTF-8, a key given
 * twice, an array...), or an object without a usable {@code id} or {@code op}. Passed on instead
 * of an exception: the stream is still in step, so the reader can answer or skip it and go on
 * with the next message.
 *
 * @param reason  what is wrong, for the client
 * @param problem which check it failed
 * @param id      the message's correlation id when it had a usable one, else null
 */
public record MalformedMessage(String reason, Problem problem, Object id) {
    /** Which check a message failed. */
    public enum Problem {
        /** Not one JSON object. */
        NOT_AN_OBJECT,
        /** An {@code id} that is neither a string nor an integer. */
        BAD_ID,
        /** No {@code op}, or one that is not a string. */
        NO_OP
    }

    /** A message that is not one JSON object. */
    public MalformedMessage(String reason) {
        this(reason, Problem.NOT_AN_OBJECT, null);
    }
}
