package dev.switchboard.core.lock;

/**
 * Where a lock engine gets the fencing tokens it hands out with each grant.
 *
 * <p>Contract: every token is 32 lowercase hex characters, the first 16 being the fence. Fences
 * only grow: a token issued after another (by any thread) has a strictly greater fence, for the
 * life of the source and — for a durable source — across restarts. A source that cannot keep
 * that promise (its state cannot be made durable) throws {@link FencePersistenceException} and
 * issues nothing. Safe to call from any thread.
 */
public interface FenceSource {
    /** A new token; throws {@link FencePersistenceException} rather than break the ordering. */
    String nextToken();
}
