package dev.switchboard.core.lock;

/**
 * Ends one request's wait early. Cancelling a request that is still waiting answers it
 * {@code CANCELLED} (through its own callback, once); cancelling one that was already answered,
 * or cancelling twice, does nothing. Safe from any thread; it does not block.
 */
@FunctionalInterface
public interface WaitHandle {
    WaitHandle NONE = () -> { };

    void cancel();
}
