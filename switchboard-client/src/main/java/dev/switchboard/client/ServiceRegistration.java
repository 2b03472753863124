package dev.switchboard.client;

/**
 * A pattern this client serves ({@code rpc.serve}). The registration belongs to the session: the
 * server keeps it while the client reconnects and resumes, and the client registers it again by
 * itself when its session was lost and a new one replaced it. {@link #close()} ends it
 * ({@code rpc.unserve}).
 */
public final class ServiceRegistration implements AutoCloseable {
    private final ServiceHandlers owner;
    private final String pattern;
    private final String group;
    final ServiceHandler handler;

    ServiceRegistration(ServiceHandlers owner, String pattern, String group, ServiceHandler handler) {
        this.owner = owner;
        this.pattern = pattern;
        this.group = group;
        this.handler = handler;
    }

    public String pattern() {
        return pattern;
    }

    /** The queue group, or null for none. */
    public String group() {
        return group;
    }

    /** Stops serving: requests routed here from now on are refused; waits for the server's answer. */
    @Override
    public void close() {
        owner.unserve(this);
    }
}
