package dev.switchboard.client;

/**
 * A signal delivered to this session ({@code {"op":"signal",...}}).
 *
 * @param channel the channel it was published on
 * @param payload its payload
 * @param seq     the session's event sequence number; grows by one per event of the session and
 *                restarts (at 1) only when the session is lost and a new one replaces it
 */
public record Signal(String channel, String payload, long seq) {
}
