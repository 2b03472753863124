package dev.switchboard.cluster;

import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * What one cluster engine connection ({@code nats} or {@code etcd}) has done: round trips, errors,
 * reconnects, and whether it is reachable now (with the reason when not). The health watch sets
 * the state; the engines count their own calls with {@link #roundTrip()} and {@link #error()}.
 */
public final class EngineStats {
    private final String engine;
    private final LongAdder roundTrips = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder reconnects = new LongAdder();
    private final LongSupplier clientRoundTrips;
    private final LongSupplier clientErrors;
    /** Null while reachable; why not otherwise. Starts unknown: not ready until first seen up. */
    private final AtomicReference<String> downReason;
    private volatile boolean everUp;

    EngineStats(String engine, LongSupplier clientRoundTrips, LongSupplier clientErrors) {
        this.engine = engine;
        this.clientRoundTrips = clientRoundTrips;
        this.clientErrors = clientErrors;
        this.downReason = new AtomicReference<>(engine + " not reached yet");
    }

    public String engine() {
        return engine;
    }

    /** One call answered by the engine. */
    public void roundTrip() {
        roundTrips.increment();
    }

    /** One call the engine failed or did not answer in time. */
    public void error() {
        errors.increment();
    }

    public long roundTrips() {
        return roundTrips.sum() + clientRoundTrips.getAsLong();
    }

    public long errors() {
        return errors.sum() + clientErrors.getAsLong();
    }

    /** Times the engine came back after being unreachable. */
    public long reconnects() {
        return reconnects.sum();
    }

    public boolean up() {
        return downReason.get() == null;
    }

    /** Why the engine is unreachable, or null when it is reachable. */
    public String downReason() {
        return downReason.get();
    }

    /** Seen reachable; a return after an outage counts as a reconnect. */
    void markUp() {
        String was = downReason.getAndSet(null);
        if (was != null && everUp) reconnects.increment();
        everUp = true;
    }

    void markDown(String reason) {
        downReason.set(engine + " unreachable: " + reason);
    }
}
