package dev.switchboard.core.session;

import dev.switchboard.core.identity.Permission;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.ProtocolException;

/** The permission check every feature makes on a request's session (topics, signals, request/reply). */
public final class Permissions {
    private Permissions() {
    }

    /** {@code forbidden} unless the session's identity may do {@code permission} on {@code subject}. */
    public static void require(Session s, Permission permission, String subject) {
        // A sessionless request (dflockd's HTTP publish) was checked by its transport, which knows the client.
        if (s != null && !s.identity().may(permission, subject)) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "identity '" + s.identity().name() + "' may not "
                    + permission.key() + " on '" + subject + "'");
        }
    }
}
