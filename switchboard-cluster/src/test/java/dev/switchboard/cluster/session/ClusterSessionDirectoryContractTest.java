package dev.switchboard.cluster.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.cluster.ClusterConnections;
import dev.switchboard.cluster.testing.EtcdServer;
import dev.switchboard.cluster.testing.NatsServer;
import dev.switchboard.core.SwitchboardCore;
import dev.switchboard.core.session.Session;
import dev.switchboard.core.session.SessionConnection;
import dev.switchboard.core.session.SessionEvent;
import dev.switchboard.core.session.SessionDirectoryContract;
import dev.switchboard.core.session.SessionRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cluster's session directory ({@link ClusterSessions}: the node's registry, its sessions
 * recorded in a real etcd and handed over on a real NATS) against the contract every session
 * directory keeps, each fixture one node; and what holds across two nodes: a resume on one node of
 * a session another node holds moves it there.
 */
class ClusterSessionDirectoryContractTest extends SessionDirectoryContract {
    private static final AtomicInteger NODES = new AtomicInteger();
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);
    private static NatsServer nats;
    private static EtcdServer etcd;
    private static final String PREFIX = "sessiondir" + System.nanoTime();

    @BeforeAll
    static void startEngines() {
        nats = NatsServer.started();
        etcd = EtcdServer.started();
    }

    @AfterAll
    static void stopEngines() {
        if (nats != null) nats.close();
        if (etcd != null) etcd.close();
    }

    @Override
    protected Fixture newFixture(int maxSessions, int maxConnections) {
        SwitchboardCore core = coreWith(maxSessions, maxConnections);
        ExecutorService lookups = Executors.newFixedThreadPool(2);
        try {
            ClusterConnections connections = ClusterConnections.connect("dir-node-" + NODES.incrementAndGet(),
                    List.of(nats.url()), List.of(etcd.url()), CALL_TIMEOUT);
            ClusterSessions sessions = new ClusterSessions(connections, PREFIX, core.sessions(), CALL_TIMEOUT);
            core.sessions().lookUpMissingWith(sessions.lookup(), lookups); // as the node installs it
            return new Fixture(sessions, core.sessions().nativePolicy(), core.sessions().dflockdPolicy(), () -> {
                sessions.close();
                core.close();
                lookups.shutdownNow();
                connections.close();
            });
        } catch (Exception e) {
            lookups.shutdownNow();
            core.close();
            throw new IllegalStateException("cannot connect a node to NATS and etcd: " + e.getMessage(), e);
        }
    }

    /** A connection that takes every event and ignores how it ends. */
    private static SessionConnection silent() {
        return new SessionConnection() {
            @Override
            public Delivery deliver(long seq, SessionEvent event) {
                return Delivery.ACCEPTED;
            }

            @Override
            public void disconnect(String code, String message) {
            }
        };
    }

    @Test
    void aResumeOnAnotherNodeMovesTheSessionThere() throws Exception {
        Fixture a = newFixture(10, 4);
        Fixture b = newFixture(10, 4);
        try {
            ClusterSessions onA = (ClusterSessions) a.directory();
            SessionRegistry.Opened o = (SessionRegistry.Opened) onA.open(a.resumable(), 0, "test", "peer", "10.0.0.1", null);
            Session s = o.session();
            await("record written").atMost(Duration.ofSeconds(10)).until(() -> onA.records().find(s.id()).isPresent());
            assertThat(b.directory().find(s.id())).as("found on its own node only").isNull();

            CompletableFuture<SessionRegistry.Attach> wrongKey = new CompletableFuture<>();
            b.directory().resume(s.id(), o.resumeKey() + "x", 0, silent(), wrongKey::complete);
            assertThat(wrongKey.get(20, TimeUnit.SECONDS)).isInstanceOf(SessionRegistry.Refused.class);
            assertThat(s.isClosed()).as("a wrong key moves nothing").isFalse();

            CompletableFuture<SessionRegistry.Attach> resumed = new CompletableFuture<>();
            b.directory().resume(s.id(), o.resumeKey(), 0, silent(), resumed::complete);
            assertThat(resumed.get(20, TimeUnit.SECONDS)).isInstanceOf(SessionRegistry.Attached.class);
            assertThat(((SessionRegistry.Attached) resumed.get()).session().id()).isEqualTo(s.id());
            assertThat(s.isClosed()).as("the copy on the first node is closed").isTrue();
            assertThat(a.directory().count()).isZero();
            assertThat(b.directory().count()).isEqualTo(1);
            assertThat(b.directory().authenticate(s.id(), o.resumeKey())).isNotNull();
        } finally {
            a.resources().close();
            b.resources().close();
        }
    }
}
