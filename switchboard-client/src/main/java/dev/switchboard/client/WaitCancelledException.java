package dev.switchboard.client;

import dev.switchboard.protocol.ErrorCode;

/**
 * A pending acquire or wait that this session ended itself with {@link SwitchboardClient#cancel}
 * (code {@code cancelled}): it left the queue, as after a timeout.
 */
public class WaitCancelledException extends SwitchboardException {
    private static final long serialVersionUID = 1L;

    public WaitCancelledException(String message) {
        super(ErrorCode.CANCELLED.wire(), message);
    }
}
