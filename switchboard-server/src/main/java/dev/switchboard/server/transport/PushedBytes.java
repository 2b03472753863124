package dev.switchboard.server.transport;

import io.netty.buffer.ByteBuf;

/**
 * A pushed message already in its connection's wire form, of known size: the {@link PushQueue}
 * writes a run of them into one buffer, so that a burst of events costs one pass through the
 * pipeline and one system call, not one of each per event.
 */
public interface PushedBytes {
    /** Exactly how many bytes {@link #writeTo} writes. */
    int size();

    void writeTo(ByteBuf out);

    /** Bytes shared by every connection that gets them (a dflockd {@code sig} line): written as they are. */
    static PushedBytes shared(byte[] bytes) {
        return new PushedBytes() {
            @Override
            public int size() {
                return bytes.length;
            }

            @Override
            public void writeTo(ByteBuf out) {
                out.writeBytes(bytes);
            }
        };
    }
}
