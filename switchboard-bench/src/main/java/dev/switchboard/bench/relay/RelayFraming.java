package dev.switchboard.bench.relay;

/**
 * How a Switchboard WebSocket peer writes a direct message and finds the payload in one it receives,
 * inside binary WebSocket messages: {@link EnvelopeFraming} (the binary envelope of
 * docs/messaging.md) or {@link CompactFraming} (the compact relay frame of docs/relay.md). One
 * instance serves one peer; its reading thread calls {@link #payloadOffset}, its sending thread
 * {@link #send}.
 */
interface RelayFraming {
    /** What the hello adds to ask for binary deliveries. */
    String helloFields();

    /** What the welcome must hold for the server to have granted {@link #helloFields}. */
    String welcomeGrant();

    /** True when the server answers every successful send (a reply per request). */
    boolean answersSends();

    /** The binary WebSocket message that sends {@code payload} to {@code to}; {@code id} numbers the request. */
    byte[] send(long id, String to, byte[] payload);

    /**
     * The offset at which the payload of the delivery {@code [0, len)} of {@code frame} starts, or -1
     * when the binary message is not a delivery this peer should get ({@link #rejection} says why).
     */
    int payloadOffset(byte[] frame, int len);

    /** Why the last {@link #payloadOffset} returned -1. */
    String rejection();
}
