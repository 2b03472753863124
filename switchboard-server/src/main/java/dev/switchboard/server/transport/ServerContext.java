package dev.switchboard.server.transport;

import dev.switchboard.core.SwitchboardCore;
import dev.switchboard.protocol.Reply;
import dev.switchboard.server.SwitchboardConfig;
import dev.switchboard.server.limits.Limit;
import dev.switchboard.server.limits.Limits;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.AttributeKey;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** What every connection handler of a node shares: settings, the core and the drain flag. */
public final class ServerContext {
    /** The pause before a failed authentication is answered and the connection closed: it slows down token guessing. */
    public static final long AUTH_FAILURE_DELAY_MS = 100;
    /** Each accepted connection's number, from the counter that numbers sessions too (dflockd's connection ids). */
    public static final AttributeKey<Long> CONNECTION_ID = AttributeKey.valueOf("switchboard.connection-id");

    private final SwitchboardConfig config;
    private final SwitchboardCore core;
    private final SslContext sslContext;
    private volatile boolean draining;
    private volatile java.util.function.Supplier<String> engineTrouble = () -> null;
    private volatile boolean stopping;
    private volatile dev.switchboard.server.embed.EmbeddingRuntime embedding;
    private volatile java.util.function.Consumer<String> limitHits = limit -> { };
    private volatile dev.switchboard.server.transport.acomm.Acomm acomm;

    public ServerContext(SwitchboardConfig config, SwitchboardCore core, SslContext sslContext) {
        this.config = config;
        this.core = core;
        this.sslContext = sslContext;
        this.tokenExpiry = new dev.switchboard.server.identity.TokenExpiry(core.clock(), core.sessions(),
                config.tokenExpiryGrace(), config.autoReleaseOnDisconnect());
        // A refresh always presents a token, so where the client connects from does not matter.
        tokenExpiry.registerWith(core.nativeDispatcher(), token -> authenticate(token, false));
    }

    private final dev.switchboard.server.identity.TokenExpiry tokenExpiry;

    /** Watches the expiry of the tokens sessions authenticated with, and refreshes them. */
    public dev.switchboard.server.identity.TokenExpiry tokenExpiry() {
        return tokenExpiry;
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

    /** Why the node's engines cannot serve now (a cluster engine unreachable), or null when they can. */
    public String engineTrouble() {
        return engineTrouble.get();
    }

    /** Where {@link #engineTrouble()} asks (the cluster's health watch); by default the engines are in memory, never in trouble. */
    public void engineTrouble(java.util.function.Supplier<String> source) {
        this.engineTrouble = source;
    }

    public void startDraining() {
        draining = true;
    }

    /** True once the node closes its connections for good (what a connection's end is then blamed on). */
    public boolean stopping() {
        return stopping;
    }

    public void startStopping() {
        stopping = true;
    }

    /** The embedding API's hooks and connection directory; null in a context made without a node. */
    public dev.switchboard.server.embed.EmbeddingRuntime embedding() {
        return embedding;
    }

    public void embedding(dev.switchboard.server.embed.EmbeddingRuntime runtime) {
        this.embedding = runtime;
    }

    /** Requests dispatched and not yet answered, over every transport: what a graceful stop waits for. */
    public int requestsInFlight() {
        return core.sessions().requestsInFlight();
    }

    /**
     * Constant-time comparison with the configured token; true when auth is off. Surrounding
     * white space is not part of a token, on any protocol (dflockd trims its {@code auth} line).
     */
    public boolean tokenMatches(String presented) {
        String expected = config.authToken();
        if (expected == null) return true;
        if (presented == null) return false;
        presented = presented.strip();
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                presented.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Who a client is: the ACL identity of its token, the shared token's full-permission identity,
     * the identity a signed token or JWT proves (its peer id, with its claims' permissions), or (no
     * token) the ACL's anonymous identity for a {@code local} (loopback, Unix socket) or remote
     * client. Null when the client must be refused (see {@link #authenticate}).
     */
    public dev.switchboard.core.identity.Identity identify(String token, boolean local) {
        return authenticate(token, local) instanceof dev.switchboard.server.identity.Authentication.Accepted a ? a.identity() : null;
    }

    /**
     * {@link #identify}, with the reason of a refusal: a token nobody has, while the server checks
     * tokens (an auth token, an ACL with tokens, or signed tokens on), is "wrong or missing token",
     * as is no token while an auth token is required; a signed token or JWT that does not check
     * out says why (expired, bad signature, malformed).
     */
    public dev.switchboard.server.identity.Authentication authenticate(String token, boolean local) {
        dev.switchboard.server.identity.Acl acl = config.acl();
        dev.switchboard.server.identity.SignedTokens signed = config.signedTokens();
        boolean checksTokens = authRequired() || acl.hasTokens() || signed.enabled();
        if (token != null && checksTokens) {
            dev.switchboard.core.identity.Identity named = acl.byToken(token);
            if (named != null) return dev.switchboard.server.identity.Authentication.accepted(named);
            if (authRequired() && tokenMatches(token)) {
                return dev.switchboard.server.identity.Authentication.accepted(dev.switchboard.core.identity.Identity.SHARED_TOKEN);
            }
            dev.switchboard.server.identity.Authentication proven = signed.check(token);
            return proven != null ? proven : WRONG_TOKEN;
        }
        if (authRequired()) return WRONG_TOKEN;
        return dev.switchboard.server.identity.Authentication.accepted(acl.anonymous(local));
    }

    private static final dev.switchboard.server.identity.Authentication WRONG_TOKEN =
            new dev.switchboard.server.identity.Authentication.Refused("wrong or missing token");

    private final java.util.concurrent.atomic.LongAdder slowConsumerDrops = new java.util.concurrent.atomic.LongAdder();

    /** An event dropped from a slow connection's queue (--slow-consumer-policy drop-oldest). */
    public void slowConsumerDrop() {
        slowConsumerDrops.increment();
    }

    public long slowConsumerDrops() {
        return slowConsumerDrops.sum();
    }

    /** True for a client on this machine: a loopback address, or the Unix socket (no IP address). */
    public static boolean local(java.net.SocketAddress remote) {
        return !(remote instanceof java.net.InetSocketAddress a) || a.getAddress() == null || a.getAddress().isLoopbackAddress();
    }

    /** The number given to {@code channel} when it was accepted (a new one for a channel that has none). */
    public long connectionId(Channel channel) {
        Long id = channel.attr(CONNECTION_ID).get();
        if (id == null) {
            id = core.sessions().nextNumericId();
            channel.attr(CONNECTION_ID).set(id);
        }
        return id;
    }

    /** Where {@link #limitHit} reports: the node's metrics. */
    public void onLimitHit(java.util.function.Consumer<String> counter) {
        this.limitHits = counter;
    }

    /** A client hit {@code limit} (counted in {@code switchboard_limit_hits_total}). */
    public void limitHit(Limit limit) {
        limitHits.accept(limit.name());
    }

    /**
     * Counts a reply that refuses for a limit of the lock table or the topic tree: the codes that
     * only those limits answer. (The session registry counts its own limits where it refuses.)
     */
    public void countLimitReply(Reply reply) {
        if (!reply.isError()) return;
        switch (reply.error()) {
            case MAX_LOCKS -> limitHit(Limits.MAX_LOCKS);
            case MAX_WAITERS -> limitHit(Limits.MAX_WAITERS);
            case MAX_SUBSCRIPTIONS -> limitHit(Limits.MAX_SUBSCRIPTIONS);
            default -> { }
        }
    }

    private volatile dev.switchboard.server.transport.relay.RelayService relay;
    private final dev.switchboard.server.transport.relay.RelayStats relayStats = new dev.switchboard.server.transport.relay.RelayStats();

    /** What the relay protocol refused and dropped (all zero while it is off). */
    public dev.switchboard.server.transport.relay.RelayStats relayStats() {
        return relayStats;
    }

    /** The openzro/NetBird relay protocol on {@code /relay}, or null when off (no auth secret). */
    public dev.switchboard.server.transport.relay.RelayService relay() {
        return relay;
    }

    public void relay(dev.switchboard.server.transport.relay.RelayService relay) {
        this.relay = relay;
    }

    /** acomm on this node (frame connections whose first message is acomm's), or null when off. */
    public dev.switchboard.server.transport.acomm.Acomm acomm() {
        return acomm;
    }

    public void acomm(dev.switchboard.server.transport.acomm.Acomm acomm) {
        this.acomm = acomm;
    }

    public boolean authRequired() {
        return config.authToken() != null;
    }
}
