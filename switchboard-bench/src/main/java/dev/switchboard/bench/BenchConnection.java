package dev.switchboard.bench;

import java.io.IOException;

/** One persistent connection a worker drives: acquire then release, one op at a time. */
interface BenchConnection extends AutoCloseable {
    /** Returns the token, or null when the server answered timeout. */
    String acquire(String key, long timeoutSeconds, long leaseSeconds) throws IOException;

    void release(String key, String token) throws IOException;

    /** Also used from another thread to unblock a worker stuck in a call (duration limit). */
    @Override
    void close();
}
