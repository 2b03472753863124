package dev.switchboard.core.lock;

/**
 * Hears of slots an engine took back because their lease ran out, keyed by owner id: the engine
 * never calls into an owner object.
 *
 * <p>Contract: called once per expired grant, after the slot was freed (and possibly already
 * handed to the next waiter), with the id of the owner that held it — also for an owner that has
 * ended meanwhile (the listener ignores owners it no longer knows). A grant given back by
 * {@code release}, or by {@code ownerEnded} with {@code releaseHeld}, is not lost and is not
 * reported; nor is one whose expiry a renew or a two-phase wait found (that caller is answered
 * {@code LEASE_EXPIRED} instead). Runs on an engine thread (whichever thread was working on the key); it must not
 * block, and it may call the engine.
 */
@FunctionalInterface
public interface LockLostListener {
    LockLostListener IGNORE = (ownerId, key, token) -> { };

    void lockLost(long ownerId, ResourceKey key, String token);
}
