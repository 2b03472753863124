package dev.switchboard.client;

import dev.switchboard.protocol.Payload;

/**
 * A direct message another peer sent to this session ({@code relay.message}).
 *
 * @param from    the sender's peer id, set by the server from the sender's session (not by the sender)
 * @param payload what was sent: bytes, text, or a JSON value
 * @param seq     the session's event sequence number
 * @param ackId   the sender's id for a receipt, or null when it asked for none; the client
 *                acknowledges such a message itself once its listeners have run
 */
public record PeerMessage(String from, Payload payload, long seq, String ackId) {

    /** A message that asked for no receipt. */
    public PeerMessage(String from, Payload payload, long seq) {
        this(from, payload, seq, null);
    }

    /** The payload's bytes (the UTF-8 of a text or JSON payload). */
    public byte[] bytes() {
        return payload.toByteArray();
    }

    /** The payload as text (bytes read as UTF-8). */
    public String text() {
        return payload.utf8();
    }
}
