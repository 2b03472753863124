package dev.switchboard.bench.chaos;

/** The ways in the soak drives, each through its own client code. */
enum Transport {
    /** dflockd's line protocol on a raw socket; the session ends with the connection. */
    DFLOCKD,
    /** Native JSON, one object per line. */
    JSON_LINES,
    /** Native JSON in length-prefixed frames. */
    JSON_FRAMES,
    /** Native JSON over a WebSocket ({@code /api/v1/ws}). */
    WEBSOCKET,
    /** Native operations as HTTP requests ({@code /api/v1/sessions/...}), events by long-poll. */
    HTTP,
    /** The Java client ({@code switchboard-client}), which resumes by itself after a cut. */
    JAVA_CLIENT
}
