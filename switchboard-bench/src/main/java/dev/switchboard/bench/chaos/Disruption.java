package dev.switchboard.bench.chaos;

/**
 * Something the soak does to the cluster at a random moment of the run, e.g. restarting NATS or
 * etcd. {@code action} returns when it is done (the engine is back or at least started again); it
 * runs on the soak's own disruptor thread, never on a client's.
 */
record Disruption(String name, Action action) {
    /** The disruption itself; an exception means it could not be made, which the run reports. */
    interface Action {
        void run() throws Exception;
    }
}
