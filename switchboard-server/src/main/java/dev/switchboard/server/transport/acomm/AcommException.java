package dev.switchboard.server.transport.acomm;

/** Why a message could not be handed to an acomm peer (its socket, its hook URL). */
public final class AcommException extends RuntimeException {
    public AcommException(String message) {
        super(message, null, false, false);
    }
}
