package dev.switchboard.core.session;

/**
 * An event whose sender waits until a connection has written it to its client: the chunk of a
 * request/reply stream, whose producer is held back while the caller reads slowly. A transport
 * calls {@link #written()} once its write of the event is done (a long-poll: once its answer
 * carries the event); more than one call is harmless.
 */
public interface AcknowledgedEvent extends SessionEvent {
    /** A connection wrote the event to its client. */
    void written();
}
