package dev.switchboard.core.lock;

/** Locks and semaphores live in separate namespaces: the lock "k" and the semaphore "k" differ. */
public enum LockKind {
    LOCK,
    SEMAPHORE
}
