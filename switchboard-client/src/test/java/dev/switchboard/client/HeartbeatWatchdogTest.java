package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * A server that completes the handshake and then goes silent (a hung process or a half-open TCP
 * connection) cannot be produced with the real server, so this peer speaks the handshake by hand.
 */
class HeartbeatWatchdogTest {
    @Test
    void aSilentServerIsDetectedAndInFlightRequestsFail() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Socket> peer = CompletableFuture.supplyAsync(() -> handshakeThenGoSilent(listener));
            try (SwitchboardClient client = SwitchboardClient.builder().port(listener.getLocalPort()).connect()) {
                assertThat(client.heartbeatInterval()).isEqualTo(Duration.ofMillis(100));
                CompletableFuture<Duration> unanswered = client.pingAsync();

                await().atMost(Duration.ofSeconds(5)).until(unanswered::isDone);

                assertThatThrownBy(unanswered::join).isInstanceOf(CompletionException.class)
                        .cause().isInstanceOf(ConnectionClosedException.class)
                        .cause().isInstanceOf(SwitchboardException.class)
                        .extracting(e -> ((SwitchboardException) e).code()).isEqualTo("heartbeat_timeout");
                assertThat(client.isConnected()).isFalse();
            } finally {
                peer.join().close();
            }
        }
    }

    private static Socket handshakeThenGoSilent(ServerSocket listener) {
        try {
            Socket s = listener.accept();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String hello = in.readLine();
            assertThat(hello).contains("\"op\":\"hello\"").contains("\"version\":1");
            OutputStream out = s.getOutputStream();
            out.write(("{\"op\":\"welcome\",\"id\":1,\"session\":\"" + "a".repeat(32) + "\",\"protocol\":1,"
                    + "\"server\":\"switchboard/test\",\"heartbeat_ms\":100,\"limits\":{\"max_frame_bytes\":1048576,"
                    + "\"max_locks\":1024,\"max_waiters\":0,\"default_lease_ms\":33000,\"max_lease_ms\":60000}}\n")
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            return s; // kept open and silent: no pings, no answers
        } catch (Exception e) {
            throw new CompletionException(e);
        }
    }
}
