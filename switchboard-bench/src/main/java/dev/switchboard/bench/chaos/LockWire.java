package dev.switchboard.bench.chaos;

import java.io.IOException;

/**
 * One chaos client's way to the server over one transport. Calls block until the answer; an
 * {@link IOException} means the connection broke (by {@link #cut()} or otherwise), a
 * {@link Refused} that the server said no. Only {@link #cut()} may be called from another thread.
 */
interface LockWire {
    /** A grant as the client saw it: the token (its first 16 hex are the fence) and the lease that applies. */
    record Granted(String token, long leaseMs) {
        long fence() {
            return Long.parseUnsignedLong(token.substring(0, 16), 16);
        }
    }

    Transport transport();

    /** The grant, or null when the wait ran out. */
    Granted acquire(Target target, long timeoutMs, long leaseMs) throws IOException, Refused;

    /** The grant when the slot was free, or null when the request is queued. */
    Granted enqueue(Target target, long leaseMs) throws IOException, Refused;

    /** Second phase: the grant, or null when the wait ran out. */
    Granted await(Target target, long timeoutMs) throws IOException, Refused;

    /** The lease now running, in ms. */
    long renew(Target target, String token, long leaseMs) throws IOException, Refused;

    void release(Target target, String token) throws IOException, Refused;

    void listen(String pattern) throws IOException, Refused;

    void unlisten(String pattern) throws IOException, Refused;

    /** How many listeners got it. */
    int publish(String channel, String payload) throws IOException, Refused;

    /** Reads (and acknowledges) buffered events where the transport needs the client to ask; a no-op elsewhere. */
    default void drainEvents() throws IOException, Refused {
    }

    /** Ends the connection abruptly (a TCP reset), as a crash or a network cut would. Any thread. */
    void cut();

    /** How many cuts this wire has had: an actor compares it before and after a call. */
    int cuts();

    /** {@link System#nanoTime()} of cut number {@code n} (from 1). */
    long cutTimeNs(int n);

    /**
     * Connects again after a cut: resumes the session where the transport has one that outlives
     * its connection. True when the old session (and what it held) is still in use.
     */
    boolean reconnect() throws IOException;

    /** Whether what the session holds survives a cut of its connection (until its lease runs out). */
    boolean sessionOutlivesConnection();

    /** Stops; with {@code endSession} the session ends at once, otherwise it is left to its grace or idle timeout. */
    void close(boolean endSession);
}
