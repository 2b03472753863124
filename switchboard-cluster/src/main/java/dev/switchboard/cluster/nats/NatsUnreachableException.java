package dev.switchboard.cluster.nats;

/** The NATS server could not be reached in time: what a cluster engine's stage fails with then. */
public class NatsUnreachableException extends RuntimeException {
    public NatsUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
