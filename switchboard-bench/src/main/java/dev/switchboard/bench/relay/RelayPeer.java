package dev.switchboard.bench.relay;

import java.io.IOException;

/**
 * One peer's connection to the server under test: it has an address the others can send to, sends
 * payloads to another peer's address, and reads what arrives until it is closed. Sends are buffered
 * until {@link #flush}; a peer's sends come from one thread, its reads from another.
 */
interface RelayPeer extends AutoCloseable {
    /** What the others send to, to reach this peer. */
    String address();

    void send(String to, byte[] payload) throws IOException;

    void flush() throws IOException;

    /** Reads until the connection ends, handing each delivery and each send's acknowledgement to {@code inbox}. */
    void read(Inbox inbox) throws IOException;

    @Override
    void close();

    /** Where a peer's reading thread hands what it reads. */
    interface Inbox {
        /** A message sent by another peer; its payload is {@code [off, off + len)} of {@code buf}, valid during the call. */
        void message(byte[] buf, int off, int len);

        /** The server accepted one of this peer's sends (servers that answer sends). */
        void acknowledged();

        /** Something the run cannot go on with: an error answer, a close. */
        void failed(String why);
    }
}
