package dev.switchboard.server.transport.relay;

import dev.switchboard.core.SwitchboardCore;
import dev.switchboard.core.relay.DirectMessages;
import dev.switchboard.core.session.SessionPolicy;
import dev.switchboard.protocol.relay.RelayAuthResponse;
import dev.switchboard.protocol.relay.RelayInstanceUrl;
import dev.switchboard.protocol.relay.RelayProtocolException;
import dev.switchboard.protocol.relay.RelayTokens;
import java.time.Clock;

/**
 * The relay protocol on one node: its settings, the token validator, the AuthResponse every
 * admitted peer gets, and what its connections share (direct messages, statistics).
 */
public final class RelayService {
    /** The WebSocket path, as the original's clients force it. */
    public static final String PATH = "/relay";

    private final RelaySettings settings;
    private final RelayTokens tokens;
    private final DirectMessages directMessages;
    private final SessionPolicy policy;
    private final RelayStats stats;
    private final java.util.function.Supplier<String> listenAddress;
    private final boolean tls;
    private volatile byte[] boundAuthResponse;

    /**
     * @param listenAddress {@code host:port} the node listens on (asked once it is bound), the instance URL's default
     * @param tls           whether the node serves TLS ({@code rels://} then, unless the exposed address names a scheme)
     */
    public RelayService(RelaySettings settings, SwitchboardCore core, RelayStats stats,
                        java.util.function.Supplier<String> listenAddress, boolean tls) {
        if (!settings.enabled()) throw new IllegalArgumentException("the relay needs an auth secret");
        this.settings = settings;
        this.stats = stats;
        this.listenAddress = listenAddress;
        this.tls = tls;
        this.tokens = new RelayTokens(settings.authSecret(), Clock.systemUTC(), settings.tokenMaxLifetime(), !settings.allowUnboundTokens());
        this.directMessages = core.directMessages(); // one meaning and one set of per-peer limits for every transport
        // One connection, one session: the peer goes offline when its connection ends (the original
        // has no grace either). No replay: the wire has no resume. Counted against --max-sessions.
        SessionPolicy nativePolicy = core.sessions().nativePolicy();
        this.policy = new SessionPolicy("relay", SessionPolicy.Lifetime.CONNECTION, 0, false, false, false, nativePolicy.caps());
    }

    public RelaySettings settings() {
        return settings;
    }

    /** The URL the AuthResponse names: the exposed address, else the address the node listens on. */
    public String instanceUrl() {
        String address = settings.exposedAddress() != null ? settings.exposedAddress() : listenAddress.get();
        try {
            return RelayInstanceUrl.fromExposedAddress(address, tls);
        } catch (RelayProtocolException e) {
            throw new IllegalStateException("the listen address makes no instance URL: " + address, e);
        }
    }

    RelayTokens tokens() {
        return tokens;
    }

    /** The AuthResponse bytes (a copy: the caller owns them). */
    byte[] authResponse() {
        byte[] made = boundAuthResponse;
        if (made == null) boundAuthResponse = made = new RelayAuthResponse(instanceUrl()).toBytes(); // once the node is bound
        return made.clone();
    }

    DirectMessages directMessages() {
        return directMessages;
    }

    SessionPolicy policy() {
        return policy;
    }

    public RelayStats stats() {
        return stats;
    }
}
