package dev.switchboard.client;

import dev.switchboard.protocol.Payload;

/**
 * A named message the server's embedding application sent to this session or connection
 * ({@code {"op":"notify",...}}).
 *
 * @param name    what it is about, chosen by the application
 * @param payload its content
 * @param seq     the session's event sequence number (0 for a message sent to one connection only)
 */
public record Notification(String name, Payload payload, long seq) {
}
