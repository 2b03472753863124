package dev.switchboard.bench.chaos;

import java.io.IOException;

/** One connection carrying native JSON messages, whatever the framing. */
interface MessageLink {
    void send(String json) throws IOException;

    /** The next message the server sent. */
    String receive() throws IOException;

    /** Abrupt end (a reset); any thread. */
    void cut();

    /** Orderly end. */
    void close();
}
