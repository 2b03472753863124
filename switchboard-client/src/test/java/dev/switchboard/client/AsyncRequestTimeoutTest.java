package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Client-side timeouts of async requests: each fails at its own deadline, whatever the order they
 * were sent in. The peer completes the handshake and then answers nothing, which the real server
 * never does.
 */
class AsyncRequestTimeoutTest {
    @Test
    void eachAsyncRequestTimesOutAtItsOwnDeadlineEvenWhenAShorterOneIsSentLater() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Socket> peer = CompletableFuture.supplyAsync(() -> handshakeThenGoSilent(listener));
            try (SwitchboardClient client = SwitchboardClient.builder().port(listener.getLocalPort())
                    .requestTimeout(Duration.ofMillis(100)).reconnect(false).connect()) {
                long start = System.nanoTime();
                // Waits up to 900 ms on the server, so the client gives up after 1 s.
                CompletableFuture<Optional<Grant>> longer = client.acquireAsync(Resource.lock("long"), Duration.ofMillis(900), null);
                CompletableFuture<Long> longerFailedAt = failedAt(longer);
                // Sent after it, due long before it: 100 ms.
                CompletableFuture<Optional<Grant>> shorter = client.tryAcquireAsync(Resource.lock("short"), null);
                CompletableFuture<Long> shorterFailedAt = failedAt(shorter);

                long shorterMs = TimeUnit.NANOSECONDS.toMillis(shorterFailedAt.get(5, TimeUnit.SECONDS) - start);
                assertThat(shorterMs).isBetween(90L, 800L);
                assertThat(longer).isNotDone();
                long longerMs = TimeUnit.NANOSECONDS.toMillis(longerFailedAt.get(5, TimeUnit.SECONDS) - start);
                assertThat(longerMs).isBetween(990L, 2500L);

                for (CompletableFuture<Optional<Grant>> f : java.util.List.of(shorter, longer)) {
                    assertThatThrownBy(f::join).isInstanceOf(CompletionException.class)
                            .cause().isInstanceOf(RequestTimeoutException.class)
                            .hasMessageContaining("lock.acquire");
                }
                assertThat(client.isConnected()).isTrue(); // a timeout is not a broken connection
            } finally {
                peer.join().close();
            }
        }
    }

    private static CompletableFuture<Long> failedAt(CompletableFuture<?> f) {
        CompletableFuture<Long> at = new CompletableFuture<>();
        f.whenComplete((v, e) -> at.complete(System.nanoTime()));
        return at;
    }

    private static Socket handshakeThenGoSilent(ServerSocket listener) {
        try {
            return HandWrittenPeer.acceptAndWelcome(listener, 60_000).socket();
        } catch (Exception e) {
            throw new CompletionException(e);
        }
    }
}
