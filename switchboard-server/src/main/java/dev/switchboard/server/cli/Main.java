package dev.switchboard.server.cli;

import ch.qos.logback.classic.Level;
import dev.switchboard.server.Switchboard;
import dev.switchboard.server.SwitchboardConfig;
import dev.switchboard.server.Version;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code switchboard} command. Every option can also come from {@code SWITCHBOARD_<NAME>}
 * or, for options dflockd has, from dflockd's own variable. Durations are whole seconds.
 */
@Command(name = "switchboard", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        sortOptions = false, usageHelpAutoWidth = true, subcommands = {SessionsCommand.class, TokenCommand.class},
        description = "Real-time session server: locks, semaphores and signals; a drop-in for dflockd.",
        footer = {"", "Environment: SWITCHBOARD_<OPTION> (e.g. SWITCHBOARD_MAX_LOCKS), then dflockd's DFLOCKD_* names.",
                "Precedence: command line > SWITCHBOARD_* > DFLOCKD_* > default."})
public final class Main implements Callable<Integer> {
    @Option(names = "--host", description = "Address to listen on (default: ${DEFAULT-VALUE}).", defaultValue = "127.0.0.1")
    String host;
    @Option(names = "--port", description = "TCP port for every protocol (default: ${DEFAULT-VALUE}).", defaultValue = "6388")
    int port;
    @Option(names = "--default-lease-ttl", paramLabel = "SECONDS", description = "Lease when a request names none (default: ${DEFAULT-VALUE}).", defaultValue = "33")
    long defaultLeaseTtl;
    @Option(names = "--lease-sweep-interval", paramLabel = "SECONDS", description = "How often expired leases are evicted (default: ${DEFAULT-VALUE}).", defaultValue = "1")
    long leaseSweepInterval;
    @Option(names = "--gc-interval", paramLabel = "SECONDS", description = "How often idle keys are collected (default: ${DEFAULT-VALUE}).", defaultValue = "5")
    long gcInterval;
    @Option(names = "--gc-max-idle", paramLabel = "SECONDS", description = "Idle time before a key is collected (default: ${DEFAULT-VALUE}).", defaultValue = "60")
    long gcMaxIdle;
    @Option(names = "--max-locks", description = "Lock plus semaphore keys, idle ones included until collected; 0 = unlimited (default: ${DEFAULT-VALUE}).", defaultValue = "1024")
    int maxLocks;
    @Option(names = "--max-waiters", description = "Waiters per key; 0 = unlimited (default: ${DEFAULT-VALUE}; dflockd's is 0).", defaultValue = "1024")
    int maxWaiters;
    @Option(names = "--lock-mailbox-size", description = "Lock requests that may wait in each of the 64 lock shards; one more is answered too_many_requests (default: ${DEFAULT-VALUE}).", defaultValue = "4096")
    int lockMailboxSize;
    @Option(names = "--session-mailbox-size", description = "Event deliveries that may wait in one session's mailbox; one more cuts the session's connections as slow consumers, the event kept for their resume (default: ${DEFAULT-VALUE}).", defaultValue = "4096")
    int sessionMailboxSize;
    @Option(names = "--max-connections", description = "Open connections; 0 = unlimited (default: ${DEFAULT-VALUE}; dflockd's is 0).", defaultValue = "65536")
    int maxConnections;
    @Option(names = "--max-connections-per-ip", description = "Open connections per remote IP; 0 = no per-IP cap, --max-connections still applies (default: ${DEFAULT-VALUE}).", defaultValue = "0")
    int maxConnectionsPerIp;
    @Option(names = "--max-subscriptions", description = "Signal subscriptions per session (dflockd: per connection); 0 = unlimited (default: ${DEFAULT-VALUE}; dflockd's is 0).", defaultValue = "1024")
    int maxSubscriptions;
    @Option(names = "--read-timeout", paramLabel = "SECONDS", description = "Idle read deadline of dflockd connections; 0 = off (default: ${DEFAULT-VALUE}; dflockd's is 23).", defaultValue = "0")
    long readTimeout;
    @Option(names = "--write-timeout", paramLabel = "SECONDS", description = "Deadline of each write; 0 = off (default: ${DEFAULT-VALUE}).", defaultValue = "5")
    long writeTimeout;
    @Option(names = "--shutdown-timeout", paramLabel = "SECONDS", description = "How long a graceful stop waits for unanswered requests; 0 = forever (default: ${DEFAULT-VALUE}).", defaultValue = "30")
    long shutdownTimeout;
    @Option(names = "--auto-release-on-disconnect", arity = "0..1", fallbackValue = "true", description = "Release a session's locks when it ends (default: ${DEFAULT-VALUE}).", defaultValue = "true")
    boolean autoRelease;
    @Option(names = "--auth-token", description = "Shared token clients must present first.")
    String authToken;
    @Option(names = "--auth-token-file", paramLabel = "FILE", description = "File holding the auth token.")
    Path authTokenFile;
    // No ${DEFAULT-VALUE} in these descriptions: --help must not print a token taken from the environment.
    @Option(names = "--admin-token", paramLabel = "TOKEN", description = "Token of the admin HTTP routes (header X-Switchboard-Admin); unset = they answer 404 admin_disabled.")
    String adminToken;
    @Option(names = "--admin-token-file", paramLabel = "FILE", description = "File holding the admin token.")
    Path adminTokenFile;
    @Option(names = "--tls-cert", paramLabel = "FILE", description = "PEM certificate chain; with --tls-key, the port accepts only TLS.")
    Path tlsCert;
    @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM private key (PKCS#8).")
    Path tlsKey;
    @Option(names = "--fence-state-file", paramLabel = "FILE", description = "Keeps fencing tokens growing across restarts.")
    Path fenceStateFile;
    @Option(names = "--data-dir", paramLabel = "DIR", description = "Directory for durable state (the fence state lives here unless --fence-state-file is set).")
    Path dataDir;
    @Option(names = "--detect-timeout", paramLabel = "SECONDS", description = "A connection that sends nothing for this long is closed (default: ${DEFAULT-VALUE}).", defaultValue = "10")
    long detectTimeout;
    @Option(names = "--handshake-timeout", paramLabel = "SECONDS", description = "A native, frame or WebSocket connection whose hello is not answered within this long is closed (default: ${DEFAULT-VALUE}).", defaultValue = "10")
    long handshakeTimeout;
    @Option(names = "--heartbeat-interval", paramLabel = "SECONDS", description = "Native protocol heartbeat; 0 = off (default: ${DEFAULT-VALUE}).", defaultValue = "15")
    long heartbeatInterval;
    @Option(names = "--max-frame-bytes", description = "Largest native message (default: ${DEFAULT-VALUE}).", defaultValue = "1048576")
    int maxFrameBytes;
    @Option(names = "--topic-history", split = ",", description = "A topic pattern whose topics keep a history, PATTERN=SIZE[:AGE_MS] (SIZE messages, each at most AGE_MS old); repeatable, or comma-separated.")
    java.util.List<String> topicHistory;

    @Option(names = "--topic-history-max-bytes", description = "Bytes of topic history kept over every topic; the node's oldest message goes first; 0 = no cap (default: ${DEFAULT-VALUE}).", defaultValue = "67108864")
    long topicHistoryMaxBytes;

    @Option(names = "--topic-history-max-topics", description = "Topics keeping a history at once; past it the least recently used topic is forgotten; 0 = no cap (default: ${DEFAULT-VALUE}).", defaultValue = "10000")
    int topicHistoryMaxTopics;

    @Option(names = "--slow-consumer-policy", description = "What happens to a connection whose event queue (--signal-buffer-size) is full: disconnect or drop-oldest (default: ${DEFAULT-VALUE}).", defaultValue = "disconnect")
    String slowConsumerPolicy;

    @Option(names = "--acl", description = "A JSON file mapping tokens to identities with publish/subscribe/call/serve subject patterns (see docs/messaging.md).")
    Path aclFile;

    @CommandLine.Mixin
    TokenOptions tokenOptions;

    @CommandLine.Mixin
    ClusterOptions clusterOptions;

    @Option(names = "--token-expiry-grace", paramLabel = "SECONDS", description = "How long a session outlives its token's expiry waiting for an auth.refresh before it ends with token_expired (default: ${DEFAULT-VALUE}).", defaultValue = "0")
    long tokenExpiryGrace;
    @Option(names = "--jwks", paramLabel = "FILE", description = "A JWK set file whose public keys verify RS256 and ES256 JWTs (see docs/identity.md).")
    Path jwksFile;

    @Option(names = "--signal-buffer-size", description = "Signals queued per connection before a slow listener is evicted (default: ${DEFAULT-VALUE}).", defaultValue = "64")
    int signalBufferSize;
    @Option(names = "--rpc-max-in-flight", description = "Request/reply calls in flight on the node at once; one more is answered too_many_requests (default: ${DEFAULT-VALUE}).", defaultValue = "65536")
    int rpcMaxInFlight;
    @Option(names = "--rpc-default-timeout-ms", paramLabel = "MS", description = "A call's deadline when it names none (default: ${DEFAULT-VALUE}).", defaultValue = "30000")
    long rpcDefaultTimeoutMs;
    @Option(names = "--rpc-max-timeout-ms", paramLabel = "MS", description = "The longest deadline a call gets; a longer timeout_ms is cut to it (default: ${DEFAULT-VALUE}).", defaultValue = "300000")
    long rpcMaxTimeoutMs;
    @Option(names = "--rpc-webhook", paramLabel = "PATTERN=URL", split = "[;\n]", description = "Names matching PATTERN that no in-process handler or backend serves are POSTed to URL; repeatable, or separated by ';' or newlines.")
    java.util.List<String> rpcWebhook;
    @Option(names = "--rpc-hook-url-allow", paramLabel = "PREFIX", split = "[;\n]", description = "URL prefix a response hook (reply_to url) may POST to; repeatable, or separated by ';' or newlines (default: none, URL hooks refused).")
    java.util.List<String> rpcHookUrlAllow;
    @Option(names = "--webhook-max-in-flight", description = "Webhook and response-hook POSTs under way at once; one more fails too_many_requests (default: ${DEFAULT-VALUE}).", defaultValue = "1024")
    int webhookMaxInFlight;
    @Option(names = "--webhook-connect-timeout-ms", paramLabel = "MS", description = "Connection deadline of a webhook or response-hook POST (default: ${DEFAULT-VALUE}).", defaultValue = "5000")
    long webhookConnectTimeoutMs;
    @Option(names = "--webhook-max-response-bytes", description = "Largest webhook response body taken; a longer one is webhook_failed (default: ${DEFAULT-VALUE}).", defaultValue = "1048576")
    int webhookMaxResponseBytes;
    @Option(names = "--acomm-max-in-flight", description = "acomm requests one connection may have whose outcome has not come; one more is refused in its acknowledgement (default: ${DEFAULT-VALUE}).", defaultValue = "1024")
    int acommMaxInFlight;
    @Option(names = "--acomm-max-hook-deliveries", description = "acomm responses owed to response hooks on the node; a request with a hook past it is refused in its acknowledgement (default: ${DEFAULT-VALUE}).", defaultValue = "4096")
    int acommMaxHookDeliveries;

    @Option(names = "--admin-snapshot-max-items", description = "Entries of each list of the admin snapshot (GET /api/v1/admin/snapshot: sessions, locks, topics…); the rest is cut and the reply says truncated (default: ${DEFAULT-VALUE}).", defaultValue = "1000")
    int adminSnapshotMaxItems;
    @Option(names = "--acomm-hook-timeout-ms", paramLabel = "MS", description = "Deadline of one delivery to an acomm response hook or one request to an acomm backend (default: ${DEFAULT-VALUE}).", defaultValue = "5000")
    long acommHookTimeoutMs;
    @Option(names = "--acomm-backend", paramLabel = "PATTERN=unix:///PATH", description = "Calls for names matching PATTERN go to a backend written for acomm on that Unix socket (repeatable; needs --unix-socket).")
    java.util.List<String> acommBackends;
    @Option(names = "--max-requests-in-flight", description = "Native requests one connection or one session may have unanswered at once; one more is answered too_many_requests (default: ${DEFAULT-VALUE}).", defaultValue = "1024")
    int maxRequestsInFlight;
    @Option(names = "--dflockd-max-pipelined", description = "dflockd requests a connection may send ahead while one is answered; one more closes it (default: ${DEFAULT-VALUE}).", defaultValue = "256")
    int dflockdMaxPipelined;
    @Option(names = "--http-max-pipelined", description = "HTTP requests a keep-alive connection may send ahead of their turn; one more closes it (default: ${DEFAULT-VALUE}).", defaultValue = "32")
    int httpMaxPipelined;
    @Option(names = "--hook-queue-size", description = "Calls of an embedding program's hooks waiting or running at once; one more is refused (default: ${DEFAULT-VALUE}; no effect without an embedding program's hooks).", defaultValue = "4096")
    int hookQueueSize;
    @Option(names = "--replay-total-bytes", description = "Bytes of buffered events over every session; past it a session drops its own oldest events; 0 = a quarter of the heap (default: ${DEFAULT-VALUE}).", defaultValue = "0")
    long replayTotalBytes;
    @Option(names = "--http-port", description = "Extra HTTP-only listener, as dflockd's; 0 = none (the main port serves HTTP anyway) (default: ${DEFAULT-VALUE}).", defaultValue = "0")
    int httpPort;
    @Option(names = "--http-host", description = "Address of the extra HTTP listener (default: --host).")
    String httpHost;
    @Option(names = "--http-session-idle-timeout", paramLabel = "SECONDS", description = "HTTP session idle timeout; sessions idle twice as long are reaped; 0 = never (default: ${DEFAULT-VALUE}).", defaultValue = "20")
    long httpSessionIdleTimeout;
    @Option(names = "--http-max-sessions", description = "HTTP sessions at once; 0 = unlimited (default: ${DEFAULT-VALUE}; dflockd's is 0).", defaultValue = "65536")
    int httpMaxSessions;
    @Option(names = "--http-max-sessions-per-ip", description = "HTTP sessions per remote IP; 0 = no per-IP cap, --http-max-sessions still applies (default: ${DEFAULT-VALUE}).", defaultValue = "0")
    int httpMaxSessionsPerIp;
    @Option(names = "--http-max-connections-per-ip", description = "HTTP connections per remote IP; 0 = no per-IP cap, --max-connections still applies (default: ${DEFAULT-VALUE}).", defaultValue = "0")
    int httpMaxConnectionsPerIp;
    @Option(names = "--http-rate-limit-per-ip", description = "HTTP requests per second per remote IP; 0 = unlimited (default: ${DEFAULT-VALUE}).", defaultValue = "0")
    double httpRateLimitPerIp;
    @Option(names = "--http-rate-limit-burst", description = "Burst of the HTTP rate limit; 0 = the rate (default: ${DEFAULT-VALUE}).", defaultValue = "0")
    int httpRateLimitBurst;
    @Option(names = "--http-cors-allowed-origins", split = ",", description = "Origins allowed by CORS, comma-separated; * = any.")
    java.util.List<String> httpCorsAllowedOrigins;
    @Option(names = "--http-sse-ping-interval", paramLabel = "SECONDS", description = "Keep-alive comment interval on event streams (default: ${DEFAULT-VALUE}).", defaultValue = "15")
    long httpSsePingInterval;
    @Option(names = "--http-max-body-bytes", description = "Largest HTTP request body (default: ${DEFAULT-VALUE}).", defaultValue = "1048576")
    int httpMaxBodyBytes;
    @Option(names = "--ws-allowed-origins", split = ",", description = "Browser origins allowed to open a WebSocket, comma-separated; * = any (default: same origin only).")
    java.util.List<String> wsAllowedOrigins;
    @Option(names = "--http-request-timeout", paramLabel = "SECONDS", description = "How long an HTTP request may take to arrive whole (default: ${DEFAULT-VALUE}).", defaultValue = "10")
    long httpRequestTimeout;
    @Option(names = "--http-max-pending-bytes", description = "Bytes an HTTP or WebSocket connection may owe its client before it is cut as a slow reader (default: ${DEFAULT-VALUE}).", defaultValue = "8388608")
    long httpMaxPendingBytes;
    @Option(names = "--http-allowed-hosts", split = ",", description = "Host names, besides loopback ones, that HTTP requests arriving on a loopback address may name in Host, comma-separated; * = any.")
    java.util.List<String> httpAllowedHosts;
    @Option(names = "--session-grace", paramLabel = "SECONDS", description = "How long a native session with no connection waits for a resume; 0 = it ends with its connection (default: ${DEFAULT-VALUE}).", defaultValue = "30")
    long sessionGrace;
    @Option(names = "--max-connections-per-session", description = "Connections attached to one native session at once (default: ${DEFAULT-VALUE}).", defaultValue = "8")
    int maxConnectionsPerSession;
    @Option(names = "--max-sessions", description = "Native sessions at once, detached ones included; 0 = unlimited (default: ${DEFAULT-VALUE}).", defaultValue = "65536")
    int maxSessions;
    @Option(names = "--max-sessions-per-ip", description = "Native sessions per remote IP; 0 = no per-IP cap, --max-sessions still applies (default: ${DEFAULT-VALUE}).", defaultValue = "0")
    int maxSessionsPerIp;
    @Option(names = "--unix-socket", paramLabel = "PATH", description = "Also listen on this Unix domain socket (every protocol, as on the TCP port; access is the file's permissions).")
    Path unixSocket;
    @Option(names = "--replay-buffer-bytes", description = "About how many bytes of events a native session keeps for a resume (default: ${DEFAULT-VALUE}).", defaultValue = "4194304")
    long replayBufferBytes;
    @Option(names = "--replay-buffer-messages", description = "Events a session keeps for its SSE and long-poll clients until acknowledged (default: ${DEFAULT-VALUE}).", defaultValue = "1024")
    int replayBufferMessages;
    @Option(names = "--io-transport", paramLabel = "auto|epoll|nio", description = "Network I/O: epoll (Linux x86-64, native), nio (any platform), or auto: epoll where it loads, else nio (default: ${DEFAULT-VALUE}).", defaultValue = "auto")
    String ioTransport;
    @Option(names = "--io-threads", description = "Event loop threads for connections; 0 = one per CPU core (default: ${DEFAULT-VALUE}).", defaultValue = "0")
    int ioThreads;
    @Option(names = "--debug", arity = "0..1", fallbackValue = "true", description = "Debug logging.", defaultValue = "false")
    boolean debug;

    @Option(names = "--rpc-max-fanout", description = "Members one request-many (rpc.call_many) may go to; more are refused too_many_requests (default: ${DEFAULT-VALUE}).", defaultValue = "256")
    int rpcMaxFanout;

    @Option(names = "--rpc-stream-window", description = "Chunks of one stream sent and not yet written to the caller; one more is refused too_many_requests (default: ${DEFAULT-VALUE}).", defaultValue = "16")
    int rpcStreamWindow;

    @Option(names = "--presence-max-watches-per-session", description = "Presence watches (presence.subscribe) one session may have open; one more is refused too_many_requests (default: ${DEFAULT-VALUE}).", defaultValue = "16")
    int presenceMaxWatchesPerSession;

    @Option(names = "--presence-max-ids-per-watch", description = "Peer ids one presence watch may name; more are refused invalid_argument (default: ${DEFAULT-VALUE}).", defaultValue = "1024")
    int presenceMaxIdsPerWatch;

    @Option(names = "--presence-max-queued-per-watch", description = "Peers whose presence changes may wait for one watch's subscriber; one more and the subscriber gets presence.resync and a fresh snapshot (default: ${DEFAULT-VALUE}).", defaultValue = "4096")
    int presenceMaxQueuedPerWatch;

    @Option(names = {"--relay-auth-secret", "--auth-secret"}, paramLabel = "SECRET", description = "Shared secret of the openzro/NetBird relay's v2 tokens; serves the relay protocol on WebSocket path /relay (default: off, /relay answers 404; environment also OZ_AUTH_SECRET).")
    String relayAuthSecret;

    @Option(names = {"--relay-exposed-address", "--exposed-address"}, paramLabel = "ADDRESS", description = "Address relay peers are told in the AuthResponse: host:port or a rel:// or rels:// URL (default: the listen address; environment also OZ_EXPOSED_ADDRESS).")
    String relayExposedAddress;

    @Option(names = "--relay-auth-timeout", paramLabel = "SECONDS", description = "Time a relay connection has to send its Auth before it is closed (default: ${DEFAULT-VALUE}).", defaultValue = "5")
    long relayAuthTimeout;

    @Option(names = "--relay-health-interval", paramLabel = "SECONDS", description = "Interval of the HealthCheck the server sends each relay peer (default: ${DEFAULT-VALUE}, the original's).", defaultValue = "25")
    long relayHealthInterval;

    @Option(names = "--relay-health-timeout", paramLabel = "SECONDS", description = "Time a relay peer has to echo a HealthCheck before it is closed (default: ${DEFAULT-VALUE}).", defaultValue = "20")
    long relayHealthTimeout;

    @Option(names = "--relay-allow-unbound-tokens", description = "Accept relay tokens in the original's form, which name no peer id (any holder can then claim any id) (default: ${DEFAULT-VALUE}).", defaultValue = "false")
    boolean relayAllowUnboundTokens;

    @Option(names = "--relay-token-max-lifetime", paramLabel = "SECONDS", description = "How far ahead a relay token's expiry may lie (default: ${DEFAULT-VALUE}).", defaultValue = "86400")
    long relayTokenMaxLifetime;

    @Option(names = "--topic-presence-max-watches-per-session", description = "Topics one session may watch for joins and leaves (topic.presence.subscribe); one more is refused too_many_requests (default: ${DEFAULT-VALUE}).", defaultValue = "16")
    int topicPresenceMaxWatchesPerSession;
    @Option(names = "--relay-max-message-bytes", description = "Payload bytes one direct message (relay.send, a compact relay frame) may carry; a bigger one is refused frame_too_large, never truncated (default: ${DEFAULT-VALUE}).", defaultValue = "65536")
    int relayMaxMessageBytes;

    @Option(names = "--relay-max-messages-per-second", description = "Direct messages one sending peer may send per second, a second's worth in a burst; more are refused too_many_requests; 0 = no bound (default: ${DEFAULT-VALUE}).", defaultValue = "10000")
    long relayMaxMessagesPerSecond;

    @Option(names = "--relay-max-bytes-per-second", description = "Payload bytes of direct messages one sending peer may send per second, a second's worth in a burst; more are refused too_many_requests; 0 = no bound (default: ${DEFAULT-VALUE}).", defaultValue = "67108864")
    long relayMaxBytesPerSecond;

    @Option(names = "--relay-max-unacknowledged", description = "Direct messages one session may have sent with an ack_id and not seen the receipt of yet; one more is refused too_many_requests (default: ${DEFAULT-VALUE}).", defaultValue = "1024")
    int relayMaxUnacknowledged;

    @Spec
    CommandSpec spec;

    private final Map<String, String> env;

    Main(Map<String, String> env) {
        this.env = env;
    }

    public static void main(String[] args) {
        dev.switchboard.protocol.LeakDetection.offUnlessAsked();
        System.exit(run(args, System.getenv(), new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command; returns the exit code. Serving blocks until the JVM is told to stop. */
    static int run(String[] args, Map<String, String> env, PrintWriter out, PrintWriter err) {
        CommandLine cl = commandLine(env);
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }

    static CommandLine commandLine(Map<String, String> env) {
        CommandLine cl = new CommandLine(new Main(env));
        EnvironmentDefaults defaults = new EnvironmentDefaults(env);
        cl.setDefaultValueProvider(defaults);
        cl.setParameterExceptionHandler((ex, args) -> {
            SettingErrors errors = new SettingErrors(defaults, option -> java.util.Arrays.stream(args)
                    .anyMatch(a -> a.equals(option) || a.startsWith(option + "=")));
            ex.getCommandLine().getErr().println("switchboard: " + errors.rewrite(ex.getMessage()));
            ex.getCommandLine().getErr().println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName()
                    + " --help' for the options.");
            return 2;
        });
        return cl;
    }

    /** The configuration these options describe; throws {@link IllegalArgumentException} with a one-line reason. */
    SwitchboardConfig toConfig() {
        return SwitchboardConfig.builder()
                .host(host)
                .port(port)
                .defaultLeaseTtl(Duration.ofSeconds(defaultLeaseTtl))
                .leaseSweepInterval(Duration.ofSeconds(leaseSweepInterval))
                .gcInterval(Duration.ofSeconds(gcInterval))
                .gcMaxIdle(Duration.ofSeconds(gcMaxIdle))
                .maxLocks(maxLocks)
                .maxWaiters(maxWaiters)
                .lockMailboxSize(lockMailboxSize)
                .sessionMailboxSize(sessionMailboxSize)
                .maxConnections(maxConnections)
                .maxConnectionsPerIp(maxConnectionsPerIp)
                .maxSubscriptions(maxSubscriptions)
                .readTimeout(Duration.ofSeconds(readTimeout))
                .writeTimeout(Duration.ofSeconds(writeTimeout))
                .shutdownTimeout(Duration.ofSeconds(shutdownTimeout))
                .detectTimeout(Duration.ofSeconds(detectTimeout))
                .handshakeTimeout(Duration.ofSeconds(handshakeTimeout))
                .heartbeatInterval(Duration.ofSeconds(heartbeatInterval))
                .autoReleaseOnDisconnect(autoRelease)
                .authToken(resolveAuthToken())
                .adminToken(resolveAdminToken())
                .tls(tlsCert, tlsKey)
                .fenceStateFile(fenceStateFile)
                .dataDir(dataDir)
                .maxFrameBytes(maxFrameBytes)
                .signalBufferSize(signalBufferSize)
                .topicHistory(topicHistory == null ? java.util.List.of() : topicHistory.stream().map(String::trim)
                        .filter(r -> !r.isEmpty()).map(dev.switchboard.core.pubsub.HistoryRule::parse).toList())
                .topicHistoryMaxBytes(topicHistoryMaxBytes)
                .topicHistoryMaxTopics(topicHistoryMaxTopics)
                .slowConsumerPolicy(dev.switchboard.server.transport.SlowConsumerPolicy.parse(slowConsumerPolicy))
                .acl(aclFile == null ? dev.switchboard.server.identity.Acl.DEFAULT : dev.switchboard.server.identity.Acl.load(aclFile))
                .signedTokens(tokenOptions.signedTokens(jwksFile))
                .tokenExpiryGrace(Duration.ofSeconds(tokenExpiryGrace))
                .maxRequestsInFlight(maxRequestsInFlight)
                .rpcMaxInFlight(rpcMaxInFlight)
                .rpcDefaultTimeoutMs(rpcDefaultTimeoutMs)
                .rpcMaxTimeoutMs(rpcMaxTimeoutMs)
                .rpcWebhooks(nonBlank(rpcWebhook).stream().map(dev.switchboard.server.webhook.WebhookRule::parse).toList())
                .rpcHookUrlAllow(nonBlank(rpcHookUrlAllow))
                .webhookMaxInFlight(webhookMaxInFlight)
                .webhookConnectTimeoutMs(webhookConnectTimeoutMs)
                .webhookMaxResponseBytes(webhookMaxResponseBytes)
                .acommMaxInFlight(acommMaxInFlight)
                .acommMaxHookDeliveries(acommMaxHookDeliveries)
                .adminSnapshotMaxItems(adminSnapshotMaxItems)
                .acommHookTimeoutMs(acommHookTimeoutMs)
                .acommBackends(acommBackends == null ? java.util.List.of() : acommBackends)
                .rpcMaxFanout(rpcMaxFanout)
                .rpcStreamWindow(rpcStreamWindow)
                .presenceMaxWatchesPerSession(presenceMaxWatchesPerSession)
                .presenceMaxIdsPerWatch(presenceMaxIdsPerWatch)
                .presenceMaxQueuedPerWatch(presenceMaxQueuedPerWatch)
                .relay(new dev.switchboard.server.transport.relay.RelaySettings(relayAuthSecret, relayExposedAddress,
                        Duration.ofSeconds(relayAuthTimeout), Duration.ofSeconds(relayHealthInterval),
                        Duration.ofSeconds(relayHealthTimeout), relayAllowUnboundTokens, Duration.ofSeconds(relayTokenMaxLifetime)))
                .topicPresenceMaxWatchesPerSession(topicPresenceMaxWatchesPerSession)
                .relayMaxMessageBytes(relayMaxMessageBytes)
                .relayMaxMessagesPerSecond(relayMaxMessagesPerSecond)
                .relayMaxBytesPerSecond(relayMaxBytesPerSecond)
                .relayMaxUnacknowledged(relayMaxUnacknowledged)
                .dflockdMaxPipelined(dflockdMaxPipelined)
                .httpMaxPipelined(httpMaxPipelined)
                .hookQueueSize(hookQueueSize)
                .replayTotalBytes(replayTotalBytes)
                .httpPort(httpPort)
                .httpHost(httpHost)
                .httpSessionIdleTimeout(Duration.ofSeconds(httpSessionIdleTimeout))
                .httpMaxSessions(httpMaxSessions)
                .httpMaxSessionsPerIp(httpMaxSessionsPerIp)
                .httpMaxConnectionsPerIp(httpMaxConnectionsPerIp)
                .httpRateLimitPerIp(httpRateLimitPerIp)
                .httpRateLimitBurst(httpRateLimitBurst)
                .httpCorsAllowedOrigins(httpCorsAllowedOrigins == null ? java.util.List.of()
                        : httpCorsAllowedOrigins.stream().map(String::trim).filter(o -> !o.isEmpty()).toList())
                .httpSsePingInterval(Duration.ofSeconds(httpSsePingInterval))
                .httpMaxBodyBytes(httpMaxBodyBytes)
                .replayBufferMessages(replayBufferMessages)
                .sessionGrace(Duration.ofSeconds(sessionGrace))
                .maxConnectionsPerSession(maxConnectionsPerSession)
                .maxSessions(maxSessions)
                .maxSessionsPerIp(maxSessionsPerIp)
                .replayBufferBytes(replayBufferBytes)
                .unixSocket(unixSocket)
                .httpRequestTimeout(Duration.ofSeconds(httpRequestTimeout))
                .wsAllowedOrigins(wsAllowedOrigins == null ? java.util.List.of()
                        : wsAllowedOrigins.stream().map(String::trim).filter(o -> !o.isEmpty()).toList())
                .httpMaxPendingBytes(httpMaxPendingBytes)
                .ioTransport(dev.switchboard.server.transport.IoTransport.choose(ioTransport))
                .ioThreads(ioThreads)
                .httpAllowedHosts(httpAllowedHosts == null ? java.util.List.of()
                        : httpAllowedHosts.stream().map(String::trim).filter(h -> !h.isEmpty()).toList())
                .cluster(clusterOptions.settings(host, port))
                .clusterEngines(clusterOptions.engines())
                .build();
    }

    /**
     * dflockd's order: --auth-token, then --auth-token-file, then the environment's token, then its
     * file. A token is trimmed; an empty one is an error.
     */
    private String resolveAuthToken() {
        if (authToken != null) return checkedToken(authToken.trim(), "--auth-token");
        if (authTokenFile != null) return readToken(authTokenFile, "--auth-token-file");
        for (String name : new String[] {"SWITCHBOARD_AUTH_TOKEN", "DFLOCKD_AUTH_TOKEN"}) {
            if (env.get(name) != null) return checkedToken(env.get(name).trim(), name);
        }
        for (String name : new String[] {"SWITCHBOARD_AUTH_TOKEN_FILE", "DFLOCKD_AUTH_TOKEN_FILE"}) {
            if (env.get(name) != null) return readToken(Path.of(env.get(name)), name);
        }
        return null;
    }

    /**
     * The admin token: the command line ({@code --admin-token}, then {@code --admin-token-file}),
     * then the environment ({@code SWITCHBOARD_ADMIN_TOKEN} or {@code DFLOCKD_ADMIN_TOKEN}, then
     * the {@code _FILE} variables), which {@link EnvironmentDefaults} supplies as the options'
     * defaults. Trimmed; an empty one is an error. Null when none is set: the admin routes are off.
     */
    private String resolveAdminToken() {
        CommandLine.ParseResult parsed = spec == null ? null : spec.commandLine().getParseResult();
        boolean tokenFlag = parsed != null && parsed.hasMatchedOption("--admin-token");
        boolean fileFlag = parsed != null && parsed.hasMatchedOption("--admin-token-file");
        if (tokenFlag) return checkedSecret(adminToken.trim(), "--admin-token", "admin token");
        if (fileFlag) return readSecret(adminTokenFile, "--admin-token-file", "admin token");
        if (adminToken != null) {
            return checkedSecret(adminToken.trim(), "SWITCHBOARD_ADMIN_TOKEN/DFLOCKD_ADMIN_TOKEN", "admin token");
        }
        if (adminTokenFile != null) {
            return readSecret(adminTokenFile, "SWITCHBOARD_ADMIN_TOKEN_FILE/DFLOCKD_ADMIN_TOKEN_FILE", "admin token");
        }
        return null;
    }

    /** A token read from a file, trimmed; {@code what} names it in errors ("admin token"). */
    /** A repeatable option's values, trimmed, the empty ones (a trailing separator) left out. */
    private static java.util.List<String> nonBlank(java.util.List<String> values) {
        return values == null ? java.util.List.of() : values.stream().map(String::trim).filter(v -> !v.isEmpty()).toList();
    }

    static String readSecret(Path file, String source, String what) {
        try {
            return checkedSecret(Files.readString(file, StandardCharsets.UTF_8).trim(), source, what);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the " + what + " file " + file + " (" + source + "): " + e.getMessage());
        }
    }

    static String checkedSecret(String token, String source, String what) {
        if (token.isEmpty()) throw new IllegalArgumentException("the " + what + " from " + source + " is empty");
        if (token.contains("\n") || token.contains("\r")) {
            throw new IllegalArgumentException("the " + what + " from " + source + " contains a newline");
        }
        return token;
    }

    private static String readToken(Path file, String source) {
        try {
            return checkedToken(Files.readString(file, StandardCharsets.UTF_8).trim(), source);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the auth token file " + file + " (" + source + "): " + e.getMessage());
        }
    }

    private static String checkedToken(String token, String source) {
        if (token.isEmpty()) throw new IllegalArgumentException("the auth token from " + source + " is empty");
        if (token.contains("\n") || token.contains("\r")) {
            throw new IllegalArgumentException("the auth token from " + source + " contains a newline");
        }
        return token;
    }

    @Override
    public Integer call() throws InterruptedException {
        SwitchboardConfig config;
        try {
            config = toConfig();
        } catch (IllegalArgumentException e) {
            CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
            SettingErrors errors = new SettingErrors(new EnvironmentDefaults(env), parsed::hasMatchedOption);
            spec.commandLine().getErr().println("switchboard: invalid setting: " + errors.rewrite(e.getMessage()));
            return 2;
        }
        if (debug) {
            ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(Level.DEBUG);
        }
        Logger log = LoggerFactory.getLogger("switchboard");
        Switchboard sb;
        try {
            sb = Switchboard.start(config);
        } catch (RuntimeException e) {
            spec.commandLine().getErr().println("switchboard: cannot start: " + e.getMessage());
            return 1;
        }
        log.info("switchboard {} started on {}", Version.VERSION, sb.address());
        tenureStartupHeap();
        StopSignals.awaitThenRun(() -> {
            log.info("signal received: draining (up to {} s)", config.shutdownTimeout().toSeconds());
            sb.close();
        });
        return 0;
    }

    /**
     * One full collection once the node is up, before it has served much. What startup leaves on
     * the heap (loaded libraries' tables, the node's own structures: several MiB) stays live for
     * the whole run, and a generational collector copies it from survivor space to survivor space
     * at every young collection until it is old enough to tenure — 15 collections by default, each
     * pausing the server ~10 ms on one core for those copies, where a young collection of only the
     * short-lived request garbage takes well under 1 ms. A full collection moves it to the old
     * generation at once. -XX:+DisableExplicitGC turns this off.
     */
    @SuppressWarnings("java:S1215") // an explicit GC is the point here, once at startup
    private static void tenureStartupHeap() {
        System.gc();
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"switchboard " + Version.VERSION};
        }
    }
}
