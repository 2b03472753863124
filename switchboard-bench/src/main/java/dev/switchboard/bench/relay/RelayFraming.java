package dev.switchboard.bench.relay;

/**
 * How a Switchboard WebSocket peer writes a direct message and finds the payload in one it receives,
 * inside binary WebSocket messages. {@link EnvelopeFraming} is the binary envelope of
 * docs/messaging.md; a more compact relay frame (a fixed header with version, type and peer id) is a
 * second implementation beside it, chosen by its own {@link RelayWire} constant.
 */
interface RelayFraming {
    /** What the hello adds to ask for binary deliveries. */
    String helloFields();

    /** The binary WebSocket message that sends {@code payload} to {@code to}; {@code id} numbers the request. */
    byte[] send(long id, String to, byte[] payload);

    /**
     * The offset at which the payload of the delivery {@code [0, len)} of {@code frame} starts, or -1
     * when the binary message is not a delivery.
     */
    int payloadOffset(byte[] frame, int len);
}
