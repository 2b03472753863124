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
 * The client's bound on one server message ({@code maxInboundFrameBytes}). The real server never
 * sends one that large, so this peer speaks the protocol by hand: it answers the first ping in two
 * pieces (the client must join them), then sends a message over the bound without its end.
 */
class InboundMessageLimitTest {
    @Test
    void aMessageOverTheBoundClosesTheConnectionAndFailsWhatIsInFlight() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Socket> peer = CompletableFuture.supplyAsync(() -> serve(listener));
            try (SwitchboardClient client = SwitchboardClient.builder().port(listener.getLocalPort())
                    .maxInboundFrameBytes(1024).reconnect(false).connect()) {
                assertThat(client.ping()).isNotNull(); // its answer came in two writes

                CompletableFuture<Duration> unanswered = client.pingAsync();

                await().atMost(Duration.ofSeconds(5)).until(unanswered::isDone);
                assertThatThrownBy(unanswered::join).isInstanceOf(CompletionException.class)
                        .cause().isInstanceOf(ConnectionClosedException.class);
                assertThat(client.isConnected()).isFalse();
            } finally {
                peer.join().close();
            }
        }
    }

    private static Socket serve(ServerSocket listener) {
        try {
            HandWrittenPeer peer = HandWrittenPeer.acceptAndWelcome(listener, 60_000);
            String id = peer.in().readLine().replaceAll(".*\"id\":(\\d+).*", "$1");
            peer.send("{\"op\":\"pong\",\"id\":" + id);
            Thread.sleep(50); // the first piece is read on its own
            peer.send("}\n");
            peer.in().readLine(); // the second ping, never answered: a message over the bound comes instead
            peer.send("{\"op\":\"event\",\"data\":\"" + "x".repeat(2000));
            return peer.socket();
        } catch (Exception e) {
            throw new CompletionException(e);
        }
    }
}
