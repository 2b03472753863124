package dev.switchboard.cluster.nats;

/**
 * A topic history operation JetStream could not carry out in time (unreachable, JetStream not
 * enabled, a refusal): the operation fails with this instead of waiting.
 */
public class HistoryUnavailableException extends RuntimeException {
    public HistoryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
