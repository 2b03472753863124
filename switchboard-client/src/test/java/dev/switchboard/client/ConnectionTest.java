package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.switchboard.server.Switchboard;
import dev.switchboard.server.SwitchboardConfig;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Handshake, auth, heartbeats, server limits and what happens when a connection ends. */
class ConnectionTest {
    private static final Duration LONG = Duration.ofSeconds(10);

    private static Switchboard start(UnaryOperator<SwitchboardConfig.Builder> tweak) {
        return tweak.apply(Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1))).start();
    }

    @Test
    void authTokenIsSentInHello() {
        try (Switchboard sb = start(b -> b.authToken("s3cret"));
             SwitchboardClient client = SwitchboardClient.builder().port(sb.port()).authToken("s3cret").connect()) {
            assertThat(client.sessionId()).matches("[0-9a-f]{32}");
            assertThat(client.tryAcquire(Resource.lock("auth-ok"))).isPresent();
        }
    }

    @Test
    void wrongOrMissingTokenIsUnauthorized() {
        try (Switchboard sb = start(b -> b.authToken("s3cret"))) {
            assertThatThrownBy(() -> SwitchboardClient.builder().port(sb.port()).authToken("wrong").connect())
                    .isInstanceOf(UnauthorizedException.class)
                    .extracting(e -> ((SwitchboardException) e).code()).isEqualTo("unauthorized");
            assertThatThrownBy(() -> SwitchboardClient.connect("127.0.0.1", sb.port()))
                    .isInstanceOf(UnauthorizedException.class);
        }
    }

    @Test
    void connectingToAClosedPortFailsWithConnectionClosed() {
        int port;
        try (Switchboard sb = start(b -> b)) {
            port = sb.port();
        }
        assertThatThrownBy(() -> SwitchboardClient.builder().port(port).connectTimeout(Duration.ofSeconds(2)).connect())
                .isInstanceOf(ConnectionClosedException.class);
    }

    @Test
    void clientAnswersServerPingsSoAnIdleConnectionStaysOpen() {
        try (Switchboard sb = start(b -> b.heartbeatInterval(Duration.ofMillis(200)));
             SwitchboardClient client = SwitchboardClient.connect("127.0.0.1", sb.port())) {
            assertThat(client.heartbeatInterval()).isEqualTo(Duration.ofMillis(200));
            // The server closes a connection silent for three intervals; stay idle for well over that.
            await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5)).until(client::isConnected);
            assertThat(client.tryAcquire(Resource.lock("idle-ok"))).isPresent();
        }
    }

    @Test
    void inFlightRequestsFailFastWhenTheServerCloses() throws Exception {
        Switchboard sb = start(b -> b);
        try (SwitchboardClient holder = SwitchboardClient.connect("127.0.0.1", sb.port());
             // Reconnecting off: a request after the drop fails at once instead of waiting for a
             // server that will not come back (see ReconnectTest for the reconnecting client).
             SwitchboardClient waiter = SwitchboardClient.builder().port(sb.port()).reconnect(false).connect()) {
            Resource lock = Resource.lock("shutdown");
            holder.acquire(lock, LONG).orElseThrow();
            CompletableFuture<Optional<Grant>> pending = waiter.acquireAsync(lock, Duration.ofMinutes(5), null);
            CompletableFuture<?> closing = CompletableFuture.runAsync(sb::close);

            await().atMost(LONG).until(pending::isDone);
            assertThatThrownBy(pending::join).isInstanceOf(CompletionException.class)
                    .cause().isInstanceOfAny(ConnectionClosedException.class, DrainingException.class);
            await().atMost(LONG).until(() -> !waiter.isConnected());
            assertThatThrownBy(() -> waiter.tryAcquire(lock)).isInstanceOf(ConnectionClosedException.class);
            closing.get();
        } finally {
            sb.close();
        }
    }

    @Test
    void closingTheClientFailsItsInFlightRequestsAndReleasesItsLocks() {
        try (Switchboard sb = start(b -> b);
             SwitchboardClient other = SwitchboardClient.connect("127.0.0.1", sb.port())) {
            SwitchboardClient client = SwitchboardClient.connect("127.0.0.1", sb.port());
            Resource held = Resource.lock("held-by-closed");
            Resource busy = Resource.lock("busy");
            client.acquire(held, LONG).orElseThrow();
            other.acquire(busy, LONG).orElseThrow();
            CompletableFuture<Optional<Grant>> pending = client.acquireAsync(busy, Duration.ofMinutes(5), null);

            client.close();

            assertThat(pending).isCompletedExceptionally();
            assertThatThrownBy(pending::join).cause().isInstanceOf(ConnectionClosedException.class);
            assertThat(client.closeFuture()).isDone();
            // The session ended, so the server released what it held.
            await().atMost(LONG).untilAsserted(() -> assertThat(other.tryAcquire(held)).isPresent());
        }
    }

    @Test
    void serverLimitsAreTypedErrors() {
        try (Switchboard sb = start(b -> b.maxLocks(2).maxWaiters(1));
             SwitchboardClient a = SwitchboardClient.connect("127.0.0.1", sb.port());
             SwitchboardClient b = SwitchboardClient.connect("127.0.0.1", sb.port());
             SwitchboardClient c = SwitchboardClient.connect("127.0.0.1", sb.port())) {
            assertThat(a.limits().maxLocks()).isEqualTo(2);
            assertThat(a.limits().maxWaiters()).isEqualTo(1);
            Resource one = Resource.lock("one");
            a.acquire(one, LONG).orElseThrow();
            a.acquire(Resource.lock("two"), LONG).orElseThrow();
            assertThatThrownBy(() -> a.tryAcquire(Resource.lock("three"))).isInstanceOf(MaxLocksException.class);

            CompletableFuture<Optional<Grant>> queued = b.acquireAsync(one, LONG, null);
            await().atMost(LONG).untilAsserted(() ->
                    assertThatThrownBy(() -> c.acquire(one, Duration.ofMillis(50))).isInstanceOf(MaxWaitersException.class));
            assertThat(queued).isNotDone();
        }
    }

    @Test
    void blockingCallsOnTheIoThreadAreRefused() {
        try (Switchboard sb = start(b -> b);
             SwitchboardClient holder = SwitchboardClient.connect("127.0.0.1", sb.port());
             SwitchboardClient client = SwitchboardClient.connect("127.0.0.1", sb.port())) {
            Resource lock = Resource.lock("io-thread");
            Grant held = holder.acquire(lock, LONG).orElseThrow();
            // Attached while the acquire is still waiting, so the callback runs on the I/O thread
            // that completes it.
            CompletableFuture<Throwable> seen = client.acquireAsync(lock, LONG, null).thenApply(grant -> {
                try {
                    client.ping();
                    return null;
                } catch (IllegalStateException e) {
                    return e;
                }
            });
            holder.release(held);
            assertThat(seen.join()).isInstanceOf(IllegalStateException.class).hasMessageContaining("deadlock");
        }
    }
}
