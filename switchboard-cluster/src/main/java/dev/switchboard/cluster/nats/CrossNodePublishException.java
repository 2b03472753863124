package dev.switchboard.cluster.nats;

/**
 * A publication that reached this node's subscribers but could not be handed to the other nodes
 * (NATS unreachable): the publish stage fails with it, and {@link #localDelivered()} says how many
 * subscriptions on this node took the message, so a caller may still report them.
 */
public final class CrossNodePublishException extends NatsUnreachableException {
    private final int localDelivered;

    public CrossNodePublishException(int localDelivered, String message, Throwable cause) {
        super(message, cause);
        this.localDelivered = localDelivered;
    }

    public int localDelivered() {
        return localDelivered;
    }
}
