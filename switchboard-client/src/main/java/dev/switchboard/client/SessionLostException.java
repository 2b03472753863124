package dev.switchboard.client;

/**
 * The session could not be resumed after a reconnect (the server answered the resume with
 * {@code resumed:false}, usually {@code session_not_found}: the grace period ran out, the session
 * was closed, or the key was refused). The client carries on with a new session, but everything
 * the old one owned is gone: locks, queue positions and signal subscriptions. It is the
 * {@link LockLost#cause()} of every {@link Lock} held at the time.
 */
public class SessionLostException extends SwitchboardException {
    private static final long serialVersionUID = 1L;

    private final String resumeErrorCode;

    public SessionLostException(String resumeErrorCode, String message) {
        super("session_lost", message);
        this.resumeErrorCode = resumeErrorCode;
    }

    /** The server's {@code resume_error.code}, for example {@code session_not_found}. */
    public String resumeErrorCode() {
        return resumeErrorCode;
    }
}
