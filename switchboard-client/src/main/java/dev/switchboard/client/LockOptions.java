package dev.switchboard.client;

import java.time.Duration;
import java.util.Objects;

/** How a {@link Lock} asks for its lease and keeps it. Immutable. */
public final class LockOptions {
    private static final LockOptions DEFAULTS = builder().build();

    private final Duration lease;
    private final boolean autoRenew;
    private final LockLostListener onLost;

    private LockOptions(Builder b) {
        this.lease = b.lease;
        this.autoRenew = b.autoRenew;
        this.onLost = b.onLost;
    }

    /** Server default lease, background renewal on, no lock-lost listener. */
    public static LockOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The lease asked for on every grant and renewal; null = the server's default. */
    public Duration lease() {
        return lease;
    }

    public boolean autoRenew() {
        return autoRenew;
    }

    public LockLostListener onLost() {
        return onLost;
    }

    public static final class Builder {
        private Duration lease;
        private boolean autoRenew = true;
        private LockLostListener onLost = lost -> { };

        private Builder() {
        }

        public Builder lease(Duration lease) {
            if (lease != null && lease.toMillis() < 1) {
                throw new IllegalArgumentException("lease must be at least 1 ms, got " + lease);
            }
            this.lease = lease;
            return this;
        }

        /**
         * Renews in the background at about half of the applied lease, on the connection's
         * event loop. Turn off only when the work is known to finish well within the lease.
         */
        public Builder autoRenew(boolean on) {
            this.autoRenew = on;
            return this;
        }

        /** Called (on the client's callback executor) when a held slot is lost; see {@link LockLostListener}. */
        public Builder onLost(LockLostListener listener) {
            this.onLost = Objects.requireNonNull(listener, "onLost");
            return this;
        }

        public LockOptions build() {
            return new LockOptions(this);
        }
    }
}
