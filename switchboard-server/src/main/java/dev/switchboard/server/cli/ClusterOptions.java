package dev.switchboard.server.cli;

import dev.switchboard.cluster.ClusterSettings;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options that make the node one of a cluster (docs/cluster.md). Each also comes from
 * {@code SWITCHBOARD_<NAME>}; without {@code --cluster-nats} and {@code --cluster-etcd} the node
 * runs alone, in memory, and the other cluster options are ignored.
 */
final class ClusterOptions {
    @Option(names = "--cluster-nats", paramLabel = "URL[,URL]", split = ",", description = "NATS servers of the cluster (nats:// or tls://), comma-separated; set with --cluster-etcd, or neither (one node, in memory).")
    List<String> natsUrls;
    @Option(names = "--cluster-etcd", paramLabel = "URL[,URL]", split = ",", description = "etcd endpoints of the cluster (http:// or https://), comma-separated.")
    List<String> etcdUrls;
    @Option(names = "--node-id", description = "This node's id, unique in the cluster (default: the host name and --port, as HOST-PORT).")
    String nodeId;
    @Option(names = "--advertise-address", paramLabel = "HOST:PORT", description = "Where other nodes and clients reach this node (default: --host and --port; the host name when --host is a wildcard).")
    String advertiseAddress;
    @Option(names = "--cluster-prefix", description = "First NATS subject token and etcd key segment of everything the cluster keeps; clusters sharing a NATS or etcd need different ones (default: ${DEFAULT-VALUE}).", defaultValue = ClusterSettings.DEFAULT_PREFIX)
    String prefix;
    @Option(names = "--cluster-connect-timeout", paramLabel = "SECONDS", description = "How long the first NATS connection may take at startup; also etcd's connect timeout (default: ${DEFAULT-VALUE}).", defaultValue = "5")
    long connectTimeout;
    @Option(names = "--cluster-signal-count-wait", paramLabel = "MS", description = "How long dflockd's signal waits for the other nodes to report their deliveries before it answers ok N, in milliseconds (0: this node's count only; at most 5000; default: ${DEFAULT-VALUE}).", defaultValue = "50")
    long signalCountWaitMs;
    @Option(names = "--cluster-nats-creds", paramLabel = "FILE", description = "NATS credentials file (JWT and NKey seed).")
    Path natsCreds;
    @Option(names = "--cluster-nats-user", description = "NATS user name (with --cluster-nats-password).")
    String natsUser;
    // No ${DEFAULT-VALUE} in the secrets' descriptions: --help must not print one taken from the environment.
    @Option(names = "--cluster-nats-password", paramLabel = "PASSWORD", description = "NATS password (better given as SWITCHBOARD_CLUSTER_NATS_PASSWORD: out of the process list).")
    String natsPassword;
    @Option(names = "--cluster-nats-token", paramLabel = "TOKEN", description = "NATS server token (better given as SWITCHBOARD_CLUSTER_NATS_TOKEN).")
    String natsToken;
    @Option(names = "--cluster-nats-tls-ca", paramLabel = "FILE", description = "PEM file of the CA of the NATS servers' certificates.")
    Path natsTlsCa;
    @Option(names = "--cluster-etcd-user", description = "etcd user name (with --cluster-etcd-password).")
    String etcdUser;
    @Option(names = "--cluster-etcd-password", paramLabel = "PASSWORD", description = "etcd password (better given as SWITCHBOARD_CLUSTER_ETCD_PASSWORD).")
    String etcdPassword;
    @Option(names = "--cluster-etcd-tls-ca", paramLabel = "FILE", description = "PEM file of the CA of the etcd endpoints' certificates.")
    Path etcdTlsCa;

    @Option(names = "--cluster-call-timeout", paramLabel = "MILLISECONDS", description = "Deadline of each etcd or NATS call a cluster engine waits for (a lock's etcd transaction, a peer's key, a subscription's confirmation); a call past it fails what it serves (default: ${DEFAULT-VALUE}).", defaultValue = "5000")
    long callTimeoutMs;
    @Option(names = "--cluster-lease-ttl", paramLabel = "SECONDS", description = "TTL of the node's etcd lease: how long a dead node's lock waiters stay queued and its peers stay online for the other nodes; at least 2 (default: ${DEFAULT-VALUE}).", defaultValue = "5")
    long leaseTtlSeconds;
    @Option(names = "--cluster-max-peers", description = "Relay peer ids the node's directory caches, its own and other nodes' together; a registration beyond it is refused, another node's peer beyond it is not found from this node (default: ${DEFAULT-VALUE}).", defaultValue = "1000000")
    int maxPeers;
    @Option(names = "--cluster-max-pending-messages", description = "Messages from other nodes waiting for this node's NATS dispatcher; NATS drops the next ones, counted (default: ${DEFAULT-VALUE}).", defaultValue = "65536")
    int maxPendingMessages;
    @Option(names = "--cluster-max-pending-bytes", paramLabel = "BYTES", description = "The same bound in bytes (default: ${DEFAULT-VALUE}).", defaultValue = "67108864")
    long maxPendingBytes;
    @Option(names = "--cluster-max-origins", description = "Other node instances whose last message number the broker remembers (default: ${DEFAULT-VALUE}).", defaultValue = "4096")
    int maxOrigins;
    @Option(names = "--cluster-rpc-max-in-flight", description = "Requests this node has out on NATS at once, waiting for another node's answer; one more is refused too_many_requests (default: ${DEFAULT-VALUE}).", defaultValue = "10000")
    int rpcMaxInFlight;
    @Option(names = "--cluster-history-max-pending", description = "Topic history publishes and reads waiting for JetStream at once on this node; one more fails at once (default: ${DEFAULT-VALUE}).", defaultValue = "10000")
    int historyMaxPending;

    /** The cluster settings, or null when the node runs alone; throws with a one-line reason when half set. */
    ClusterSettings settings(String host, int port) {
        List<String> nats = nonBlank(natsUrls);
        List<String> etcd = nonBlank(etcdUrls);
        if (nats.isEmpty() && etcd.isEmpty()) return null;
        if (nats.isEmpty() || etcd.isEmpty()) {
            throw new IllegalArgumentException("--cluster-nats and --cluster-etcd must be set together (a cluster needs both: "
                    + (nats.isEmpty() ? "--cluster-etcd is set, --cluster-nats is not" : "--cluster-nats is set, --cluster-etcd is not") + ")");
        }
        if (connectTimeout < 1) throw new IllegalArgumentException("--cluster-connect-timeout must be at least 1");
        String id = nodeId != null ? nodeId.strip() : hostName(host) + "-" + port;
        String advertised = advertiseAddress != null ? advertiseAddress.strip() : defaultAdvertised(host, port);
        return new ClusterSettings(id, advertised, prefix.strip(),
                new ClusterSettings.Nats(nats, natsCreds, natsUser, natsPassword, natsToken, natsTlsCa),
                new ClusterSettings.Etcd(etcd, etcdUser, etcdPassword, etcdTlsCa),
                Duration.ofSeconds(connectTimeout), Duration.ofSeconds(1), Duration.ofSeconds(1),
                signalCountWait(), engines());
    }

    private Duration signalCountWait() {
        if (signalCountWaitMs < 0 || signalCountWaitMs > ClusterSettings.MAX_SIGNAL_COUNT_WAIT.toMillis()) {
            throw new IllegalArgumentException("--cluster-signal-count-wait must be between 0 and "
                    + ClusterSettings.MAX_SIGNAL_COUNT_WAIT.toMillis() + " (milliseconds)");
        }
        return Duration.ofMillis(signalCountWaitMs);
    }

    /** The engines' deadlines, lease and bounds (checked even when the node runs alone, so a typo shows at once). */
    ClusterSettings.Engines engines() {
        return new ClusterSettings.Engines(Duration.ofMillis(callTimeoutMs), leaseTtlSeconds, maxPeers, maxPendingMessages,
                maxPendingBytes, dev.switchboard.cluster.nats.NatsBrokerSettings.DEFAULT_COUNTED_PUBLISHES, maxOrigins, rpcMaxInFlight,
                historyMaxPending);
    }

    private static String defaultAdvertised(String host, int port) {
        boolean wildcard = host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
        return (wildcard ? hostName(host) : host) + ":" + port;
    }

    /** This machine's name (the host given when it cannot be found). */
    private static String hostName(String host) {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return host;
        }
    }

    private static List<String> nonBlank(List<String> values) {
        return values == null ? List.of() : values.stream().map(String::strip).filter(v -> !v.isEmpty()).toList();
    }
}
