package dev.switchboard.server.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.server.Switchboard;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** dflockd and native clients on one key wait in one FIFO queue and share tokens. */
class CrossProtocolFifoTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private Switchboard sb;

    @BeforeEach
    void start() {
        sb = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(2)).start();
    }

    @AfterEach
    void stop() {
        sb.close();
    }

    @Test
    void grantsAlternateBetweenProtocolsInArrivalOrder() throws Exception {
        try (Conn d1 = new Conn(sb.port()); Conn j1 = new Conn(sb.port()); Conn d2 = new Conn(sb.port());
             Conn j2 = new Conn(sb.port()); Conn observer = new Conn(sb.port())) {
            j1.send("{\"op\":\"hello\",\"id\":0,\"version\":1}\n");
            j1.readLine();
            j2.send("{\"op\":\"hello\",\"id\":0,\"version\":1}\n");
            j2.readLine();

            d1.send("l\nshared\n10\n");
            String t1 = d1.readLine().split(" ")[1];

            j1.send("{\"op\":\"lock.acquire\",\"id\":1,\"key\":\"shared\",\"timeout_ms\":10000}\n");
            awaitWaiters(observer, 1);
            d2.send("l\nshared\n10\n");
            awaitWaiters(observer, 2);
            j2.send("{\"op\":\"lock.enqueue\",\"id\":1,\"key\":\"shared\"}\n");
            assertThat(JSON.readTree(j2.readLine()).at("/result/status").asString()).isEqualTo("queued");
            awaitWaiters(observer, 3);

            d1.send("r\nshared\n" + t1 + "\n");
            assertThat(d1.readLine()).isEqualTo("ok");
            JsonNode g1 = JSON.readTree(j1.readLine());
            String t2 = g1.at("/result/token").asString();
            assertThat(t2).isGreaterThan(t1);

            // The native client's token is released over the dflockd protocol: tokens are shared.
            d1.send("r\nshared\n" + t2 + "\n");
            assertThat(d1.readLine()).isEqualTo("ok");
            String line = d2.readLine();
            assertThat(line).matches("ok [0-9a-f]{32} 33");
            String t3 = line.split(" ")[1];
            assertThat(t3).isGreaterThan(t2);

            d2.send("r\nshared\n" + t3 + "\n");
            assertThat(d2.readLine()).isEqualTo("ok");
            j2.send("{\"op\":\"lock.wait\",\"id\":2,\"key\":\"shared\",\"timeout_ms\":1000}\n");
            JsonNode g3 = JSON.readTree(j2.readLine());
            assertThat(g3.at("/result/status").asString()).isEqualTo("acquired");
            assertThat(g3.at("/result/token").asString()).isGreaterThan(t3);
        }
    }

    private static void awaitWaiters(Conn observer, int n) {
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            observer.send("stats\n_\n\n");
            String stats = observer.readLine().substring(3);
            assertThat(JSON.readTree(stats).at("/locks/0/waiters").asInt()).isEqualTo(n);
        });
    }

    private static final class Conn implements AutoCloseable {
        private final Socket socket;
        private final OutputStream out;
        private final BufferedReader in;

        Conn(int port) throws Exception {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(5000);
            out = socket.getOutputStream();
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        }

        void send(String s) throws Exception {
            out.write(s.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        String readLine() throws Exception {
            return in.readLine();
        }

        @Override
        public void close() throws java.io.IOException {
            socket.close();
        }
    }
}
