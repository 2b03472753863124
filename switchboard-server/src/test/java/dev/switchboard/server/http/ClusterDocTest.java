package dev.switchboard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.cluster.ClusterSettings;
import dev.switchboard.cluster.testing.EtcdServer;
import dev.switchboard.cluster.testing.NatsServer;
import dev.switchboard.server.Switchboard;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The curl examples of docs/cluster.md ("One lock, two nodes") run against two clustered nodes on
 * one nats-server and one etcd, answering as documented; and the second lock's fence is greater.
 */
class ClusterDocTest {
    private static final Path DOC = Path.of("..", "docs", "cluster.md");
    private static final String SECTION = "### One lock, two nodes";

    @Test
    void aLockTakenOnOneNodeIsHeldOnTheOtherAsDocumented() throws Exception {
        HttpApiDocTest.requireCurl();
        String doc = Files.readString(DOC);
        int start = doc.indexOf(SECTION);
        assertThat(start).as(SECTION + " in " + DOC).isNotNegative();
        int end = doc.indexOf("\n## ", start);
        List<HttpApiDocTest.Example> examples = HttpApiDocTest.examples(doc.substring(start, end < 0 ? doc.length() : end));
        assertThat(examples).hasSize(6);

        try (NatsServer nats = NatsServer.started(); EtcdServer etcd = EtcdServer.started();
             Switchboard one = node("doc-1", nats, etcd); Switchboard two = node("doc-2", nats, etcd)) {
            Map<String, String> vars = new HashMap<>();
            vars.put("SB1", "http://127.0.0.1:" + one.port());
            vars.put("SB2", "http://127.0.0.1:" + two.port());
            HttpApiDocTest.run(examples, vars);
            assertThat(Long.parseUnsignedLong(vars.get("TOKEN2").substring(0, 16), 16))
                    .as("the second grant's fence").isGreaterThan(Long.parseUnsignedLong(vars.get("TOKEN").substring(0, 16), 16));
        }
    }

    private static Switchboard node(String id, NatsServer nats, EtcdServer etcd) {
        return Switchboard.builder().port(0).cluster(ClusterSettings.of(id, "127.0.0.1:0", ClusterSettings.DEFAULT_PREFIX,
                new ClusterSettings.Nats(List.of(nats.url()), null, null, null, null, null),
                new ClusterSettings.Etcd(List.of(etcd.url()), null, null, null))).start();
    }
}
