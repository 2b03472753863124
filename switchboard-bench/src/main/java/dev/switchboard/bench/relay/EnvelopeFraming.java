package dev.switchboard.bench.relay;

import java.nio.charset.StandardCharsets;

/**
 * The binary envelope ({@code 0x00 | 4-byte big-endian header length | JSON header | raw bytes}):
 * {@code relay.send} out with the destination in the header, {@code relay.message} in with the
 * sender's id and the event's number in it.
 */
final class EnvelopeFraming implements RelayFraming {
    private static final byte[] DELIVERY = "{\"op\":\"relay.message\"".getBytes(StandardCharsets.US_ASCII);

    @Override
    public String helloFields() {
        return ",\"binary\":true";
    }

    @Override
    public String welcomeGrant() {
        return "\"binary\":true";
    }

    @Override
    public boolean answersSends() {
        return true; // relay.send is a request: a reply for each
    }

    @Override
    public byte[] send(long id, String to, byte[] payload) {
        byte[] header = ("{\"op\":\"relay.send\",\"id\":" + id + ",\"to\":\"" + to + "\"}").getBytes(StandardCharsets.UTF_8);
        byte[] frame = new byte[5 + header.length + payload.length];
        int h = header.length;
        frame[1] = (byte) (h >>> 24);
        frame[2] = (byte) (h >>> 16);
        frame[3] = (byte) (h >>> 8);
        frame[4] = (byte) h;
        System.arraycopy(header, 0, frame, 5, h);
        System.arraycopy(payload, 0, frame, 5 + h, payload.length);
        return frame;
    }

    @Override
    public int payloadOffset(byte[] frame, int len) {
        if (len < 5 || frame[0] != 0) return -1;
        int h = ((frame[1] & 0xff) << 24) | ((frame[2] & 0xff) << 16) | ((frame[3] & 0xff) << 8) | (frame[4] & 0xff);
        if (h < DELIVERY.length || 5L + h > len) return -1;
        for (int i = 0; i < DELIVERY.length; i++) {
            if (frame[5 + i] != DELIVERY[i]) return -1;
        }
        return 5 + h;
    }

    @Override
    public String rejection() {
        return "a binary message that is not a relay.message envelope";
    }
}
