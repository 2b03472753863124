package dev.switchboard.bench.relay;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The compact relay frame of docs/relay.md: {@code 01 | 01 (SEND) | id length | destination id | payload}
 * out, {@code 01 | 02 (MESSAGE) | id length | sender id | 8-byte seq | payload} in. A successful SEND
 * gets no answer. A receiving peer checks every MESSAGE names its partner as the sender and carries
 * a seq above the one before (the server numbers each session's events in order).
 */
final class CompactFraming implements RelayFraming {
    private static final byte VERSION = 0x01;
    private static final byte SEND = 0x01;
    private static final byte MESSAGE = 0x02;
    private static final int PREFIX = 3;
    private static final int SEQ_BYTES = 8;

    /** The sender's peer id in UTF-8 that every delivery must carry; null on a peer that expects none. */
    private final byte[] expectedSender;
    private String lastTo;
    private byte[] lastToUtf8;
    private long lastSeq;
    private String rejection = "";

    CompactFraming(String expectedSender) {
        this.expectedSender = expectedSender == null ? null : expectedSender.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String helloFields() {
        return ",\"relay_frames\":true";
    }

    @Override
    public String welcomeGrant() {
        return "\"relay_frames\":true";
    }

    @Override
    public boolean answersSends() {
        return false; // like a NATS publish: only a refusal comes back, as an error event
    }

    @Override
    public byte[] send(long id, String to, byte[] payload) {
        if (!to.equals(lastTo)) { // a sender sends to one partner: its id is encoded once
            lastTo = to;
            lastToUtf8 = to.getBytes(StandardCharsets.UTF_8);
            if (lastToUtf8.length == 0 || lastToUtf8.length > 255) throw new IllegalArgumentException("peer id " + to);
        }
        byte[] frame = new byte[PREFIX + lastToUtf8.length + payload.length];
        frame[0] = VERSION;
        frame[1] = SEND;
        frame[2] = (byte) lastToUtf8.length;
        System.arraycopy(lastToUtf8, 0, frame, PREFIX, lastToUtf8.length);
        System.arraycopy(payload, 0, frame, PREFIX + lastToUtf8.length, payload.length);
        return frame;
    }

    @Override
    public int payloadOffset(byte[] frame, int len) {
        if (len < PREFIX || frame[0] != VERSION || frame[1] != MESSAGE) {
            return reject("a binary message that is not a relay MESSAGE frame");
        }
        int idLength = frame[2] & 0xff;
        int payloadAt = PREFIX + idLength + SEQ_BYTES;
        if (idLength == 0 || payloadAt > len) return reject("a MESSAGE frame with a bad peer id length " + idLength);
        if (expectedSender != null
                && !Arrays.equals(frame, PREFIX, PREFIX + idLength, expectedSender, 0, expectedSender.length)) {
            return reject("a MESSAGE from " + new String(frame, PREFIX, idLength, StandardCharsets.UTF_8) + ", expected "
                    + new String(expectedSender, StandardCharsets.UTF_8));
        }
        long seq = 0;
        for (int i = PREFIX + idLength; i < payloadAt; i++) seq = (seq << 8) | (frame[i] & 0xff);
        if (seq <= lastSeq) return reject("a MESSAGE numbered " + seq + " after " + lastSeq);
        lastSeq = seq;
        return payloadAt;
    }

    @Override
    public String rejection() {
        return rejection;
    }

    private int reject(String why) {
        rejection = why;
        return -1;
    }
}
