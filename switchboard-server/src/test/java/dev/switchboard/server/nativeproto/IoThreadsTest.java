package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.dflockd.LineClient;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** A node with --io-threads N serves its connections on exactly N event loop threads. */
class IoThreadsTest {
    @Test
    void connectionsAreSpreadOverExactlyTheConfiguredLoops() throws Exception {
        Set<Thread> before = ioThreads();
        try (TestServer server = TestServer.start(b -> b.ioThreads(2))) {
            List<LineClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 6; i++) {
                    LineClient c = new LineClient(server.port());
                    clients.add(c);
                    String token = c.lock("io-threads-" + i);
                    c.release("io-threads-" + i, token);
                }
                // Each connection is on a loop and every loop has had one: two threads, no more
                // (Netty names a pool's threads switchboard-io-<pool>-<n>; other nodes' pools differ).
                Set<Thread> started = ioThreads();
                started.removeAll(before);
                Map<String, Long> byPool = started.stream().collect(Collectors.groupingBy(
                        t -> t.getName().substring(0, t.getName().lastIndexOf('-')), Collectors.counting()));
                assertThat(byPool).hasSize(1);
                assertThat(byPool.values()).containsExactly(2L);
            } finally {
                clients.forEach(LineClient::close);
            }
        }
    }

    /** Live event loop threads of nodes in this JVM. */
    private static Set<Thread> ioThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("switchboard-io-"))
                .collect(Collectors.toCollection(HashSet::new));
    }
}
