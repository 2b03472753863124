package dev.switchboard.server.transport.json;

/** A message that is not a JSON object; the connection answers it with {@code bad_frame} and keeps serving. */
public record BadFrame(String reason) {
}
