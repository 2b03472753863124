package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.cluster.ClusterSettings;
import dev.switchboard.cluster.testing.EtcdServer;
import dev.switchboard.cluster.testing.NatsServer;
import dev.switchboard.server.Switchboard;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The etcd calls of a clustered node's lock engine and peer directory show in its etcd round
 * trips, beside the health probes: on a node whose probe runs once at the start (then not for an
 * hour), lock cycles move {@code switchboard_cluster_round_trips_total{engine="etcd"}}.
 */
class ClusterEtcdCallsTest {
    private static final Pattern ETCD_ROUND_TRIPS =
            Pattern.compile("(?m)^switchboard_cluster_round_trips_total\\{engine=\"etcd\"[^}]*} ([0-9.eE+]+)$");

    @Test
    void lockCyclesCountAsEtcdRoundTrips() throws Exception {
        try (NatsServer nats = NatsServer.started();
             EtcdServer etcd = EtcdServer.started();
             Switchboard sb = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1))
                     .cluster(new ClusterSettings("calls-node", "127.0.0.1:0", "calls",
                             ClusterSettings.Nats.plain(List.of(nats.url())), ClusterSettings.Etcd.plain(List.of(etcd.url())),
                             Duration.ofSeconds(5), Duration.ofHours(1), Duration.ofSeconds(1), ClusterSettings.Engines.defaults()))
                     .start();
             NativeClient c = NativeClient.hello(sb.port())) {
            // The one probe, the directory's first read and this client's peer key, then nothing moves by itself.
            await().atMost(Duration.ofSeconds(10)).until(() -> etcdRoundTrips(sb.port()) >= 3);
            double before = etcdRoundTrips(sb.port());
            for (int i = 1; i <= 3; i++) {
                String token = c.request("{\"op\":\"lock.acquire\",\"id\":" + i + ",\"key\":\"calls\"}", i)
                        .at("/result/token").asString();
                assertThat(token).isNotEmpty();
                assertThat(c.request("{\"op\":\"lock.release\",\"id\":" + (10 + i) + ",\"key\":\"calls\",\"token\":\"" + token + "\"}",
                        10 + i).has("result")).isTrue();
            }
            // At least one call to take each lock and one to give it back.
            assertThat(etcdRoundTrips(sb.port()) - before).isGreaterThanOrEqualTo(6);
        }
    }

    private static double etcdRoundTrips(int port) throws Exception {
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = ETCD_ROUND_TRIPS.matcher(body);
        assertThat(m.find()).as("etcd round trips in the scrape").isTrue();
        return Double.parseDouble(m.group(1));
    }
}
