package dev.switchboard.server.embed;

import java.util.regex.Pattern;

/** What a {@link ConnectHook} decides: accept, or refuse with an error the client receives before the connection closes. */
public final class ConnectDecision {
    private static final Pattern CODE = Pattern.compile("[a-z0-9_.-]{1,64}");
    private static final ConnectDecision ACCEPT = new ConnectDecision(null, null);

    private final String code;
    private final String message;

    private ConnectDecision(String code, String message) {
        this.code = code;
        this.message = message;
    }

    public static ConnectDecision accept() {
        return ACCEPT;
    }

    /**
     * Refuses the connection: the client gets {@code {"op":"error","id":<the hello's id>,"error":{"code":code,"message":message}}},
     * then the connection closes. A new session opened for it ends; a resumed one is left as it was.
     *
     * @param code an application code, {@code [a-z0-9_.-]{1,64}}
     */
    public static ConnectDecision refuse(String code, String message) {
        if (code == null || !CODE.matcher(code).matches()) {
            throw new IllegalArgumentException("a refusal code must match [a-z0-9_.-]{1,64}");
        }
        return new ConnectDecision(code, message == null ? "" : message);
    }

    public boolean accepted() {
        return code == null;
    }

    /** The refusal's code; null when accepted. */
    public String code() {
        return code;
    }

    /** The refusal's message; null when accepted. */
    public String message() {
        return message;
    }

    @Override
    public String toString() {
        return accepted() ? "accept" : "refuse(" + code + ")";
    }
}
