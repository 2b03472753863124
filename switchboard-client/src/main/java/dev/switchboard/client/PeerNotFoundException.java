package dev.switchboard.client;

import dev.switchboard.protocol.ErrorCode;

/**
 * No session answers to the peer id a direct message was sent to ({@code relay.send}): the peer
 * never connected, its session ended, or it is between connections waiting for a resume.
 */
public class PeerNotFoundException extends SwitchboardException {
    private static final long serialVersionUID = 1L;

    public PeerNotFoundException(String message) {
        super(ErrorCode.PEER_NOT_FOUND.wire(), message);
    }
}
