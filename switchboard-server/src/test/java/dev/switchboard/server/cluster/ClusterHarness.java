package dev.switchboard.server.cluster;

import static org.awaitility.Awaitility.await;

import dev.switchboard.cluster.testing.EtcdServer;
import dev.switchboard.cluster.testing.ExternalServer;
import dev.switchboard.cluster.testing.NatsServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A cluster on loopback for server tests: one nats-server, one etcd and N Switchboard nodes, each a
 * process of its own on free ports. Nodes can be stopped (SIGTERM, a graceful drain), killed
 * (SIGKILL) and started again on the same port; so can NATS and etcd ({@link #nats()},
 * {@link #etcd()}). Close it to stop everything; every process is also killed when the JVM exits.
 * Public (in the server's test-jar) for the chaos soak in switchboard-bench.
 */
public final class ClusterHarness implements AutoCloseable {
    /** How long a node may take from its start to a ready answer (a JVM start on a busy 2-core machine). */
    static final Duration NODE_READY_TIMEOUT = Duration.ofSeconds(40);

    private final NatsServer nats;
    private final EtcdServer etcd;
    private final List<SwitchboardProcess> nodes = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private ClusterHarness(NatsServer nats, EtcdServer etcd) {
        this.nats = nats;
        this.etcd = etcd;
    }

    /**
     * Starts NATS, etcd and {@code nodes} nodes (in parallel) and waits until every node is ready.
     *
     * @param extraOptions options every node gets besides the cluster ones
     */
    public static ClusterHarness started(int nodes, String... extraOptions) {
        NatsServer nats = new NatsServer();
        EtcdServer etcd = new EtcdServer();
        try {
            ExternalServer.startAll(List.of(nats, etcd));
        } catch (RuntimeException e) {
            nats.close();
            etcd.close();
            throw e;
        }
        ClusterHarness h = new ClusterHarness(nats, etcd);
        try {
            for (int i = 0; i < nodes; i++) {
                List<String> options = new ArrayList<>(List.of("--cluster-nats", nats.url(), "--cluster-etcd", etcd.url(),
                        "--node-id", "node-" + i, "--shutdown-timeout", "2",
                        // A JVM and gRPC starting on a busy 2-core machine can take longer than the default 5 s.
                        "--cluster-connect-timeout", "30"));
                options.addAll(List.of(extraOptions));
                h.nodes.add(new SwitchboardProcess("node-" + i, options));
            }
            // Each JVM on a thread of its own: the common pool has one thread on a 2-core machine,
            // which started the nodes one after the other.
            ExternalServer.startAll(h.nodes);
            for (int i = 0; i < nodes; i++) h.awaitReady(i);
        } catch (RuntimeException e) {
            h.close();
            throw e;
        }
        return h;
    }

    public NatsServer nats() {
        return nats;
    }

    public EtcdServer etcd() {
        return etcd;
    }

    /**
     * Waits until etcd answers a linearizable read (it has elected itself leader), as an operator
     * waits for {@code etcdctl endpoint health} before starting nodes after an etcd restart: a port
     * that accepts connections is not yet a serving etcd.
     */
    void awaitEtcdServing() {
        try (io.etcd.jetcd.Client client = io.etcd.jetcd.Client.builder().endpoints(etcd.url()).build()) {
            io.etcd.jetcd.ByteSequence key = io.etcd.jetcd.ByteSequence.from("/harness/health", java.nio.charset.StandardCharsets.UTF_8);
            await("etcd serving").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                    .until(() -> client.getKVClient().get(key).get(2, java.util.concurrent.TimeUnit.SECONDS) != null);
        }
    }

    public int size() {
        return nodes.size();
    }

    public int port(int node) {
        return nodes.get(node).port();
    }

    /** The node's base URL, e.g. {@code http://127.0.0.1:41234}: every protocol is on this one port. */
    String url(int node) {
        return nodes.get(node).httpUrl();
    }

    boolean running(int node) {
        return nodes.get(node).running();
    }

    /** SIGKILL: the node gets no chance to drain or tell anyone. */
    void kill(int node) {
        nodes.get(node).kill();
    }

    /** SIGTERM: a graceful stop (drain, then exit). */
    void stop(int node) {
        nodes.get(node).stop();
    }

    /** Starts a stopped or killed node again on its port, and waits until it is ready. */
    void start(int node) {
        nodes.get(node).start();
        awaitReady(node);
    }

    /** SIGTERM to every node at once, each draining on a thread of its own; returns when all have exited. */
    void stopEveryNode() {
        List<Thread> stoppers = new ArrayList<>();
        for (SwitchboardProcess n : nodes) {
            Thread t = new Thread(n::stop, "stop-" + n.port());
            t.start();
            stoppers.add(t);
        }
        for (Thread t : stoppers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while stopping the nodes", e);
            }
        }
    }

    /** Starts every stopped or killed node at once, on their ports, and waits until all are ready. */
    void startEveryNode() {
        ExternalServer.startAll(nodes);
        for (int i = 0; i < nodes.size(); i++) awaitReady(i);
    }

    /** The last lines of the node's output, for failure messages. */
    public String logTail(int node) {
        return nodes.get(node).logTail();
    }

    /** {@code GET /ready}: the status code and the body; status 0 when the node does not answer. */
    Ready ready(int node) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url(node) + "/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            return new Ready(r.statusCode(), r.body().strip());
        } catch (IOException e) {
            return new Ready(0, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Ready(0, "interrupted");
        }
    }

    /** {@code GET /metrics} of the node. */
    String metrics(int node) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url(node) + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    void awaitReady(int node) {
        try {
            await("node " + node + " ready").atMost(NODE_READY_TIMEOUT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(25))
                    .failFast(() -> !running(node))
                    .until(() -> ready(node).status() == 200);
        } catch (org.awaitility.core.ConditionTimeoutException | org.awaitility.core.TerminalFailureException e) {
            throw new AssertionError("node " + node + (running(node) ? " not ready: " + ready(node) : " exited")
                    + "; its log:\n" + logTail(node), e);
        }
    }

    record Ready(int status, String body) {
    }

    @Override
    public void close() {
        for (SwitchboardProcess n : nodes) n.close();
        etcd.close();
        nats.close();
    }
}
