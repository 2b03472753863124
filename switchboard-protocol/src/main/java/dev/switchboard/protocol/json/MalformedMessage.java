package dev.switchboard.protocol.json;

/**
 * A framed message that is not one JSON object (bad JSON, bad UTF-8, a key given twice, an
 * array...). Passed on instead of an exception: the stream is still in step, so the reader can
 * answer or skip it and go on with the next message.
 */
public record MalformedMessage(String reason) {
}
