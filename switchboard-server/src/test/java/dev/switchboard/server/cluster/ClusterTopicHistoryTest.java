package dev.switchboard.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.cluster.testing.QuickPolls;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Topic history on a two-node cluster, over the native protocol: what one node publishes, the
 * other reads with the same offsets and epoch, and still does after the first is killed with
 * SIGKILL; a client resuming there from an offset gets exactly what it missed.
 */
@ExtendWith(QuickPolls.class)
class ClusterTopicHistoryTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static ClusterHarness cluster;

    @BeforeAll
    static void startCluster() {
        cluster = ClusterHarness.started(2, "--topic-history", "orders.>=100");
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) cluster.close();
    }

    /** A JSON-lines connection to one node. */
    private static final class Line implements AutoCloseable {
        private final Socket socket;
        private final BufferedReader in;
        private final OutputStream out;
        final List<JsonNode> events = new ArrayList<>();

        Line(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(10_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out = socket.getOutputStream();
            assertThat(request("{\"op\":\"hello\",\"id\":1,\"version\":1}", 1).get("op").asString()).isEqualTo("welcome");
        }

        /** Sends one line and reads until the answer with {@code id}, keeping the events before it. */
        JsonNode request(String json, int id) throws IOException {
            out.write((json + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            while (true) {
                String line = in.readLine();
                if (line == null) throw new IOException("the node closed the connection");
                JsonNode m = JSON.readTree(line);
                if (m.has("id") && m.get("id").asInt() == id) return m;
                events.add(m);
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void historyWrittenThroughOneNodeIsReadOnTheOtherWithTheSameOffsetsAndOutlivesItsNode() throws Exception {
        List<Long> offsets = new ArrayList<>();
        String epoch;
        try (Line onFirst = new Line(cluster.port(0))) {
            for (int i = 1; i <= 3; i++) {
                JsonNode r = onFirst.request("{\"op\":\"topic.publish\",\"id\":" + (10 + i)
                        + ",\"topic\":\"orders.eu\",\"payload\":\"order " + i + "\"}", 10 + i);
                offsets.add(r.get("result").get("offset").asLong());
            }
            JsonNode last = onFirst.request("{\"op\":\"topic.history\",\"id\":20,\"topic\":\"orders.eu\"}", 20);
            epoch = last.get("result").get("epoch").asString();
        }
        assertThat(offsets).isSorted().doesNotHaveDuplicates();
        assertThat(epoch).isNotEmpty();

        cluster.kill(0);
        try (Line onSecond = new Line(cluster.port(1))) {
            JsonNode read = onSecond.request("{\"op\":\"topic.history\",\"id\":2,\"topic\":\"orders.eu\"}", 2).get("result");
            assertThat(read.get("epoch").asString()).isEqualTo(epoch);
            assertThat(read.get("recovered").asBoolean()).isTrue();
            List<Long> readOffsets = new ArrayList<>();
            read.get("messages").forEach(m -> readOffsets.add(m.get("offset").asLong()));
            assertThat(readOffsets).isEqualTo(offsets);

            JsonNode resumed = onSecond.request("{\"op\":\"topic.subscribe\",\"id\":3,\"pattern\":\"orders.eu\",\"since\":{\"offset\":"
                    + offsets.get(0) + ",\"epoch\":\"" + epoch + "\"}}", 3).get("result");
            assertThat(resumed.get("recovered").asBoolean()).isTrue();
            assertThat(onSecond.events).extracting(e -> e.get("payload").asString()).containsExactly("order 2", "order 3");
            assertThat(onSecond.events).extracting(e -> e.get("offset").asLong()).containsExactly(offsets.get(1), offsets.get(2));
        } finally {
            cluster.start(0);
        }
    }
}
