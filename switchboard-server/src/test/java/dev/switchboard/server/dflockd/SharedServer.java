package dev.switchboard.server.dflockd;

import dev.switchboard.cluster.ClusterSettings;
import dev.switchboard.cluster.testing.EtcdServer;
import dev.switchboard.cluster.testing.NatsServer;
import dev.switchboard.cluster.testing.QuickPolls;
import dev.switchboard.server.Switchboard;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One server with the reference test settings, shared by the tests of a class. A suite runs against
 * a clustered node (locks on etcd, signals on NATS) in a subclass that implements {@link Clustered}:
 * the same tests, the same expected bytes.
 */
@ExtendWith(SharedServer.PerClass.class)
abstract class SharedServer {
    static Switchboard sb;

    /**
     * A suite whose shared server is a cluster node, on the run's one nats-server and etcd; its
     * waits check their condition at once and then often ({@link QuickPolls}).
     */
    @ExtendWith(QuickPolls.class)
    interface Clustered {
    }

    /** Starts the class's server before its tests and closes it after them. */
    static final class PerClass implements BeforeAllCallback, AfterAllCallback {
        @Override
        public void beforeAll(ExtensionContext context) {
            Class<?> suite = context.getRequiredTestClass();
            sb = Clustered.class.isAssignableFrom(suite)
                    ? LineClient.config().cluster(SharedCluster.of(context).node(suite.getSimpleName())).start()
                    : LineClient.start();
        }

        @Override
        public void afterAll(ExtensionContext context) {
            if (sb != null) sb.close();
            sb = null;
        }
    }

    /**
     * One nats-server and one etcd for every clustered suite of the run (each takes about a second to
     * start), closed when the run ends. Each suite's node gets a cluster prefix of its own, so no
     * suite sees another's locks or signals.
     */
    static final class SharedCluster implements AutoCloseable {
        private static final AtomicInteger SUITES = new AtomicInteger();
        private final NatsServer nats;
        private final EtcdServer etcd;

        private SharedCluster() {
            nats = NatsServer.started();
            try {
                etcd = EtcdServer.started();
            } catch (RuntimeException e) {
                nats.close();
                throw e;
            }
        }

        static SharedCluster of(ExtensionContext context) {
            return context.getRoot().getStore(ExtensionContext.Namespace.create(SharedCluster.class))
                    .getOrComputeIfAbsent(SharedCluster.class, k -> new SharedCluster(), SharedCluster.class);
        }

        ClusterSettings node(String suite) {
            String id = suite.replaceAll("[^A-Za-z0-9_-]", "_") + "-" + SUITES.incrementAndGet();
            // A generous connect timeout: a build machine shared by several builds can be slow to start gRPC.
            return new ClusterSettings(id, "127.0.0.1:0", id, ClusterSettings.Nats.plain(List.of(nats.url())),
                    ClusterSettings.Etcd.plain(List.of(etcd.url())), Duration.ofSeconds(30), Duration.ofSeconds(1),
                    Duration.ofSeconds(1));
        }

        @Override
        public void close() {
            etcd.close();
            nats.close();
        }
    }
}
