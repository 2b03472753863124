package dev.switchboard.client;

import java.util.Objects;
import java.util.Optional;

/**
 * The answer to the first phase of a two-phase acquire: either the slot was free and is held now
 * (its lease already runs), or the session joined the queue and must call {@code await}.
 */
public final class EnqueueResult {
    private static final EnqueueResult QUEUED = new EnqueueResult(null);

    private final Grant grant;

    private EnqueueResult(Grant grant) {
        this.grant = grant;
    }

    static EnqueueResult acquired(Grant grant) {
        return new EnqueueResult(Objects.requireNonNull(grant));
    }

    static EnqueueResult queued() {
        return QUEUED;
    }

    public boolean isAcquired() {
        return grant != null;
    }

    public boolean isQueued() {
        return grant == null;
    }

    /** The grant when the slot was taken at once; empty when queued. */
    public Optional<Grant> grant() {
        return Optional.ofNullable(grant);
    }

    @Override
    public String toString() {
        return grant == null ? "EnqueueResult[queued]" : "EnqueueResult[acquired " + grant + "]";
    }
}
