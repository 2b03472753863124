package dev.switchboard.core.rpc;

import dev.switchboard.protocol.ErrorCode;

/** A chunk that was not taken, and why ({@link #code()}: {@code too_many_requests}, {@code unknown_request}, {@code slow_consumer}). */
public final class RpcStreamException extends RuntimeException {
    private final ErrorCode code;

    /** A refusal; public so that a cluster engine can pass on the one the caller's node gave. */
    public RpcStreamException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
