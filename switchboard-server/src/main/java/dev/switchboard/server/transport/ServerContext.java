package dev.switchboard.server.transport;

import dev.switchboard.core.SwitchboardCore;
import dev.switchboard.server.SwitchboardConfig;
import io.netty.handler.ssl.SslContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.atomic.AtomicInteger;

/** What every connection handler of a node shares: settings, the core and the drain flag. */
public final class ServerContext {
    private final SwitchboardConfig config;
    private final SwitchboardCore core;
    private final SslContext sslContext;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean draining;

    public ServerContext(SwitchboardConfig config, SwitchboardCore core, SslContext sslContext) {
        this.config = config;
        this.core = core;
        this.sslContext = sslContext;
    }

    public SwitchboardConfig config() {
        return config;
    }

    public SwitchboardCore core() {
        return core;
    }

    /** Null when TLS is off. */
    public SslContext sslContext() {
        return sslContext;
    }

    public boolean draining() {
        return draining;
    }

    public void startDraining() {
        draining = true;
    }

    public void requestStarted() {
        inFlight.incrementAndGet();
    }

    public void requestFinished() {
        inFlight.decrementAndGet();
    }

    /** Requests dispatched and not yet answered, over every connection: what a graceful stop waits for. */
    public int requestsInFlight() {
        return inFlight.get();
    }

    /** Constant-time comparison with the configured token; true when auth is off. */
    public boolean tokenMatches(String presented) {
        String expected = config.authToken();
        if (expected == null) return true;
        if (presented == null) return false;
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                presented.getBytes(StandardCharsets.UTF_8));
    }

    public boolean authRequired() {
        return config.authToken() != null;
    }
}
