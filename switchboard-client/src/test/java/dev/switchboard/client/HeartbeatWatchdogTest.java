package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
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

    @Test
    void theWatchdogLeavesNoTimerBehindWhenItsHandlerGoes() {
        Connection connection = new Connection(1 << 16, new Connection.Listener() {
            @Override
            public void onEvent(Connection c, tools.jackson.databind.JsonNode event) {
            }

            @Override
            public void onLost(Connection c, ConnectionClosedException cause) {
            }
        });
        io.netty.channel.embedded.EmbeddedChannel ch = new io.netty.channel.embedded.EmbeddedChannel();
        connection.initChannel(ch);
        connection.watchHeartbeats(Duration.ofSeconds(10));
        ch.runPendingTasks();
        ClientHandler handler = (ClientHandler) ch.pipeline().get("client");
        ClientTimers.Timed check = handler.silenceCheck();
        assertThat(check).as("a silence check is armed").isNotNull();
        assertThat(check.isCancelled()).isFalse();

        // Removed while the channel is open (closing an embedded channel would cancel every task itself).
        ch.pipeline().remove("client");

        assertThat(check.isCancelled()).as("its timer is cancelled").isTrue();
        assertThat(handler.silenceCheck()).as("nothing left armed").isNull();
        ch.close();
    }

    private static Socket handshakeThenGoSilent(ServerSocket listener) {
        try {
            return HandWrittenPeer.acceptAndWelcome(listener, 100).socket(); // kept open and silent: no pings, no answers
        } catch (Exception e) {
            throw new CompletionException(e);
        }
    }
}
