package dev.switchboard.cluster.nats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.cluster.ClusterConnections;
import dev.switchboard.core.SwitchboardCore;
import dev.switchboard.core.lock.LockTableConfig;
import dev.switchboard.core.rpc.InProcessHandlers;
import dev.switchboard.core.rpc.RpcSettings;
import dev.switchboard.core.session.FieldsEvent;
import dev.switchboard.core.session.Session;
import dev.switchboard.core.session.SessionConnection;
import dev.switchboard.core.session.SessionEvent;
import dev.switchboard.core.session.SessionRegistry;
import dev.switchboard.protocol.Frame;
import dev.switchboard.protocol.Reply;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One Switchboard node of a test cluster, in this JVM: its own core, NATS connection and node
 * id, with request/reply on {@link NatsRpcEngines}. Clients are sessions driven through the
 * node's native dispatcher, as a transport drives them.
 */
final class RpcNode implements AutoCloseable {
    final ClusterConnections connections;
    final NatsRpcEngines engines;
    final SwitchboardCore core;

    RpcNode(String nodeId, String natsUrl, InProcessHandlers handlers, NatsRpcSettings settings) throws Exception {
        // The etcd client connects lazily and is never used by request/reply: this address is never dialled.
        connections = ClusterConnections.connect(nodeId, List.of(natsUrl), List.of("http://127.0.0.1:9"),
                Duration.ofSeconds(5));
        engines = new NatsRpcEngines(connections, new NatsSubjects("sbtest"), settings);
        LockTableConfig locks = new LockTableConfig(1024, 0, Duration.ofSeconds(1), Duration.ofSeconds(5),
                Duration.ofSeconds(60));
        RpcSettings rpc = new RpcSettings(RpcSettings.DEFAULT_MAX_IN_FLIGHT, RpcSettings.DEFAULT_TIMEOUT_MS,
                RpcSettings.DEFAULT_MAX_TIMEOUT_MS, 64, handlers);
        core = new SwitchboardCore(new SwitchboardCore.Settings(locks, 30_000, 64, null,
                SessionRegistry.Lifecycle.defaults(), rpc), null, engines);
        visibleToOtherNodes();
    }

    /**
     * Waits until NATS has this node's subscriptions: a name served here is seen by other nodes one
     * NATS round trip after it is registered (docs/cluster.md), and a test calls from another node at once.
     */
    void visibleToOtherNodes() throws Exception {
        connections.nats().flush(Duration.ofSeconds(5));
    }

    RpcNode(String nodeId, String natsUrl, InProcessHandlers handlers) throws Exception {
        this(nodeId, natsUrl, handlers, NatsRpcSettings.defaults());
    }

    /** A client connection with its session (ended when the connection closes, as a dflockd one is). */
    Client client() {
        Client c = new Client();
        c.session = ((SessionRegistry.Opened) core.sessions().open(core.sessions().dflockdPolicy(), "test",
                "127.0.0.1:1", null, c)).session();
        return c;
    }

    /** Sends one request on the native dispatcher; the future has its reply. */
    CompletableFuture<Reply> send(Client c, String op, Object... fieldsAndValues) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (int i = 0; i < fieldsAndValues.length; i += 2) fields.put((String) fieldsAndValues[i], fieldsAndValues[i + 1]);
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        core.nativeDispatcher().dispatch(c.session, new Frame(op, 1, fields), reply::complete);
        return reply;
    }

    /** {@code rpc.serve}, checked. */
    void serve(Client c, String pattern, String group) throws Exception {
        Reply r = group == null ? send(c, "rpc.serve", "pattern", pattern).get(5, TimeUnit.SECONDS)
                : send(c, "rpc.serve", "pattern", pattern, "group", group).get(5, TimeUnit.SECONDS);
        assertThat(r.isError()).as("rpc.serve %s", r).isFalse();
        visibleToOtherNodes();
    }

    /** The client's connection closes: its session ends, and with it what it served. */
    void disconnect(Client c) {
        core.sessions().detach(c.session, c);
    }

    @Override
    public void close() {
        core.close();
        connections.close();
    }

    /** A client's connection: it keeps the {@code rpc.request} events its session receives. */
    static final class Client implements SessionConnection {
        final BlockingQueue<Map<String, Object>> requests = new LinkedBlockingQueue<>();
        volatile Session session;

        @Override
        public Delivery deliver(long seq, SessionEvent event) {
            if (event instanceof FieldsEvent f && "rpc.request".equals(f.op())) requests.add(f.message(seq));
            return Delivery.ACCEPTED;
        }

        @Override
        public void disconnect(String code, String message) {
        }

        /** The next request this backend received, waiting at most 5 s. */
        Map<String, Object> nextRequest() throws InterruptedException {
            Map<String, Object> r = requests.poll(5, TimeUnit.SECONDS);
            assertThat(r).as("a request reached the backend").isNotNull();
            return r;
        }
    }
}
