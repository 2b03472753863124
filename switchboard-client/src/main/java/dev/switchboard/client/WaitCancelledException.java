package dev.switchboard.client;

import dev.switchboard.protocol.ErrorCode;

/**
 * A request ended by a cancel (code {@code cancelled}): above all a pending acquire or wait that
 * this session ended with {@link SwitchboardClient#cancel}, which left the queue as after a
 * timeout; the server uses the same code for a request it ended because its caller went.
 */
public class WaitCancelledException extends SwitchboardException {
    private static final long serialVersionUID = 1L;

    public WaitCancelledException(String message) {
        super(ErrorCode.CANCELLED.wire(), message);
    }
}
