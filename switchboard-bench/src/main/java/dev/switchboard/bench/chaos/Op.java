package dev.switchboard.bench.chaos;

/** What the soak counts. {@link #isRequest()} ones are operations sent to the server; the rest are things that happened. */
enum Op {
    LOCK_ACQUIRED("lock acquire granted"),
    LOCK_TIMEOUT("lock acquire timed out"),
    SEM_ACQUIRED("semaphore acquire granted"),
    SEM_TIMEOUT("semaphore acquire timed out"),
    ENQUEUE_ACQUIRED("two-phase enqueue acquired at once"),
    ENQUEUE_QUEUED("two-phase enqueue queued"),
    WAIT_GRANTED("two-phase wait granted"),
    WAIT_TIMEOUT("two-phase wait timed out"),
    WAIT_REFUSED("two-phase wait refused (lease_expired, not_enqueued)"),
    RENEWED("renew"),
    RENEW_REFUSED("renew refused (lease ran out)"),
    RELEASED("release"),
    RELEASE_NOT_HELD("release refused not_held (lease ran out)"),
    OTHER_REFUSAL("other expected refusal (already_enqueued, cancelled, already_waiting after a cut)"),
    ENGINE_REFUSAL("refused while NATS or etcd restarted (fence_persistence, too_many_requests, dflockd error, publish internal)"),
    LISTEN("signal listen"),
    UNLISTEN("signal unlisten"),
    PUBLISH("signal publish"),
    POLL("event poll (HTTP)"),
    HELD_PAST_LEASE("holds kept past their lease on purpose", false),
    CUT_MID_WAIT("connections cut mid-wait", false),
    CUT_MID_HOLD("connections cut mid-hold", false),
    CUT_IDLE("connections cut between operations", false),
    RESUMED("sessions resumed after a cut", false),
    RESUMED_ON_OTHER_TRANSPORT("  of which over another transport", false),
    SESSION_LOST("sessions lost after a cut (not resumed)", false),
    NEW_CONNECTION("new connections after a cut (dflockd, no session to resume)", false),
    UNEXPECTED("unexpected errors", false);

    private final String label;
    private final boolean request;

    Op(String label) {
        this(label, true);
    }

    Op(String label, boolean request) {
        this.label = label;
        this.request = request;
    }

    String label() {
        return label;
    }

    boolean isRequest() {
        return request;
    }
}
