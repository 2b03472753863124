package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.switchboard.server.Switchboard;
import dev.switchboard.server.SwitchboardConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The session outlives its connection: the connection runs through a {@link TcpProxy} that the
 * tests take down (cutting the connection as a network failure would) and bring back up.
 */
class ReconnectTest {
    private static final Duration LONG = Duration.ofSeconds(10);

    private final List<Object> seen = new CopyOnWriteArrayList<>(); // signals and state events, in delivery order
    private Switchboard server;
    private TcpProxy proxy;

    private void startServer(UnaryOperator<SwitchboardConfig.Builder> tweak) throws Exception {
        server = tweak.apply(Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1))
                .leaseSweepInterval(Duration.ofMillis(100))).start();
        proxy = new TcpProxy(server.port());
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private SwitchboardClient.Builder viaProxy() {
        return SwitchboardClient.builder().port(proxy.port())
                .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
                .onSignal(seen::add)
                .onStateChange(seen::add);
    }

    private SwitchboardClient direct() {
        return SwitchboardClient.builder().port(server.port()).reconnect(false).connect();
    }

    private List<Signal> signals() {
        return seen.stream().filter(Signal.class::isInstance).map(Signal.class::cast).toList();
    }

    private List<String> payloads() {
        return signals().stream().map(Signal::payload).toList();
    }

    private List<ConnectionEvent> states() {
        return seen.stream().filter(ConnectionEvent.class::isInstance).map(ConnectionEvent.class::cast).toList();
    }

    private Optional<ConnectionEvent> state(ConnectionEvent.Type type) {
        return states().stream().filter(e -> e.type() == type).findFirst();
    }

    /** Cuts the connection and waits until the client noticed. */
    private void cut() {
        proxy.down();
        await().atMost(LONG).until(() -> state(ConnectionEvent.Type.DISCONNECTED).isPresent());
    }

    /**
     * Cuts the connection until the server has ended the session (its grace ran out, so it
     * released {@code heldKey}, which the client held), then lets the client back in and waits for
     * it to go on with a new session.
     */
    private void cutUntilTheSessionEnds(SwitchboardClient other, String heldKey) {
        cutUntilTheSessionEnds(other, heldKey, () -> { });
    }

    /** As {@link #cutUntilTheSessionEnds(SwitchboardClient, String)}, running {@code whileDown} before the client may reconnect. */
    private void cutUntilTheSessionEnds(SwitchboardClient other, String heldKey, Runnable whileDown) {
        cut();
        await().atMost(LONG).untilAsserted(() -> {
            Optional<Grant> g = other.tryAcquire(Resource.lock(heldKey));
            assertThat(g).isPresent();
            other.release(g.get());
        });
        whileDown.run();
        proxy.up();
        await().atMost(LONG).until(() -> state(ConnectionEvent.Type.SESSION_LOST).isPresent());
    }

    @Test
    void resumeDeliversEverySignalPublishedWhileDisconnectedOnceAndInOrder() throws Exception {
        startServer(b -> b);
        try (SwitchboardClient publisher = direct();
             SwitchboardClient client = viaProxy().connect()) {
            client.listen("jobs.>");
            String session = client.sessionId();
            for (int i = 1; i <= 3; i++) {
                assertThat(publisher.publish("jobs.build", "p" + i)).isEqualTo(1);
            }
            await().atMost(LONG).until(() -> signals().size() == 3);

            cut();
            assertThat(client.isConnected()).isFalse();
            for (int i = 4; i <= 10; i++) {
                publisher.publish("jobs.build", "p" + i);
            }
            proxy.up();

            await().atMost(LONG).until(() -> state(ConnectionEvent.Type.RESUMED).isPresent());
            ConnectionEvent resumed = state(ConnectionEvent.Type.RESUMED).orElseThrow();
            assertThat(resumed.recovered()).isTrue();
            assertThat(resumed.sessionId()).isEqualTo(session);
            assertThat(client.sessionId()).isEqualTo(session);
            assertThat(client.isConnected()).isTrue();
            // One more after the resume: once it is in, anything replayed twice would be before it.
            publisher.publish("jobs.build", "p11");
            await().atMost(LONG).until(() -> payloads().contains("p11"));

            assertThat(payloads()).containsExactlyElementsOf(
                    IntStream.rangeClosed(1, 11).mapToObj(i -> "p" + i).toList());
            assertThat(signals().stream().map(Signal::seq).toList())
                    .containsExactlyElementsOf(IntStream.rangeClosed(1, 11).mapToObj(i -> (long) i).toList());
            assertThat(signals()).allSatisfy(s -> assertThat(s.channel()).isEqualTo("jobs.build"));
            assertThat(client.lastSeq()).isEqualTo(11);
            assertThat(states().stream().map(ConnectionEvent::type).toList()).containsExactly(
                    ConnectionEvent.Type.CONNECTED, ConnectionEvent.Type.DISCONNECTED, ConnectionEvent.Type.RESUMED);
        }
    }

    @Test
    void aHeldLockKeepsRenewingAcrossAResume() throws Exception {
        startServer(b -> b);
        List<LockLost> lost = new CopyOnWriteArrayList<>();
        try (SwitchboardClient other = direct();
             SwitchboardClient client = viaProxy().connect()) {
            Lock lock = client.lock("survivor", LockOptions.builder().lease(Duration.ofSeconds(2)).onLost(lost::add).build());
            assertThat(lock.acquire(LONG)).isTrue();
            String token = lock.token().orElseThrow();

            cut();
            assertThat(other.tryAcquire(Resource.lock("survivor"))).as("held by the detached session").isEmpty();
            proxy.up();
            await().atMost(LONG).until(() -> state(ConnectionEvent.Type.RESUMED).isPresent());

            // Well past the 2 s lease: only renewal on the resumed session keeps it.
            await().during(Duration.ofSeconds(3)).atMost(LONG).until(() -> lock.isHeld() && lost.isEmpty());
            assertThat(lock.token()).contains(token);
            assertThat(other.tryAcquire(Resource.lock("survivor"))).isEmpty();
            lock.release();
            assertThat(other.tryAcquire(Resource.lock("survivor"))).isPresent();
        }
    }

    @Test
    void resumeAfterTheGraceLosesTheSessionAndLocksReportLockLost() throws Exception {
        startServer(b -> b.sessionGrace(Duration.ofMillis(300)));
        List<LockLost> lost = new CopyOnWriteArrayList<>();
        try (SwitchboardClient other = direct();
             SwitchboardClient client = viaProxy().connect()) {
            Lock lock = client.lock("orphan", LockOptions.builder().onLost(lost::add).build());
            assertThat(lock.acquire(LONG)).isTrue();
            client.listen("news.>");
            String oldSession = client.sessionId();

            cutUntilTheSessionEnds(other, "orphan");
            ConnectionEvent sessionLost = state(ConnectionEvent.Type.SESSION_LOST).orElseThrow();
            assertThat(sessionLost.code()).isEqualTo("session_not_found");
            assertThat(sessionLost.sessionId()).isNotEqualTo(oldSession).isEqualTo(client.sessionId());
            assertThat(sessionLost.cause()).isInstanceOf(SessionLostException.class);

            await().atMost(LONG).until(() -> lost.size() == 1);
            assertThat(lost.get(0).cause()).isInstanceOf(SessionLostException.class)
                    .hasMessageContaining("session_not_found");
            assertThat(((SessionLostException) lost.get(0).cause()).resumeErrorCode()).isEqualTo("session_not_found");
            assertThat(lock.isHeld()).isFalse();

            // The new session works, and starts without the old subscriptions.
            assertThat(other.publish("news.today", "x")).isZero();
            client.listen("news.>");
            assertThat(other.publish("news.today", "y")).isEqualTo(1);
            await().atMost(LONG).until(() -> payloads().contains("y"));
            assertThat(signals()).extracting(Signal::seq).containsExactly(1L);
            assertThat(lock.acquire(LONG)).as("the helper can be used again").isTrue();
        }
    }

    @Test
    void attributesTheClientSetAreSetAgainOnTheNewSessionAfterTheOldOneIsLost() throws Exception {
        startServer(b -> b.sessionGrace(Duration.ofMillis(300)));
        try (SwitchboardClient other = direct();
             SwitchboardClient client = viaProxy().connect()) {
            client.setSessionAttributes(Map.of("user", "ada", "tab", "3", "theme", "dark"));
            Map<String, String> removeTab = new HashMap<>();
            removeTab.put("tab", null);
            client.setSessionAttributes(removeTab);
            assertThat(client.lock("marker").acquire(LONG)).isTrue();
            String oldSession = client.sessionId();

            // A change made while reconnecting goes out first on the new session; setting the old
            // attributes again must not undo it.
            Map<String, String> removeTheme = new HashMap<>();
            removeTheme.put("theme", null);
            CompletableFuture<SessionInfo>[] whileDown = new CompletableFuture[1];
            cutUntilTheSessionEnds(other, "marker", () -> whileDown[0] = client.setSessionAttributesAsync(removeTheme));
            assertThat(client.sessionId()).isNotEqualTo(oldSession);
            whileDown[0].get(LONG.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            await().atMost(LONG).untilAsserted(() ->
                    assertThat(client.sessionInfo().attributes()).containsOnly(Map.entry("user", "ada")));
        }
    }

    @Test
    void aGapLargerThanTheReplayBufferIsReportedBeforeTheReplayedSignals() throws Exception {
        startServer(b -> b.replayBufferMessages(4));
        try (SwitchboardClient publisher = direct();
             SwitchboardClient client = viaProxy().connect()) {
            client.listen("ticks");
            publisher.publish("ticks", "t1");
            await().atMost(LONG).until(() -> signals().size() == 1);

            cut();
            for (int i = 2; i <= 12; i++) {
                publisher.publish("ticks", "t" + i);
            }
            proxy.up();

            await().atMost(LONG).until(() -> payloads().contains("t12"));
            ConnectionEvent resumed = state(ConnectionEvent.Type.RESUMED).orElseThrow();
            assertThat(resumed.recovered()).isFalse();
            assertThat(resumed.isGap()).isTrue();
            long first = resumed.firstAvailable().orElseThrow();
            assertThat(first).isGreaterThan(2).isLessThanOrEqualTo(12);
            // The gap event comes first, then what the server still had, in order.
            List<Object> afterResume = seen.subList(seen.indexOf(resumed) + 1, seen.size());
            assertThat(afterResume).allMatch(Signal.class::isInstance);
            assertThat(afterResume.stream().map(o -> ((Signal) o).seq()).toList())
                    .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(first, 12).boxed().toList());
            assertThat(payloads()).startsWith("t1").endsWith("t12").doesNotHaveDuplicates();
        }
    }

    @Test
    void inFlightRequestsFailFastOnDisconnectAndNewOnesWaitForTheReconnect() throws Exception {
        startServer(b -> b);
        try (SwitchboardClient holder = direct();
             SwitchboardClient client = viaProxy().connect()) {
            Resource busy = Resource.lock("busy");
            holder.acquire(busy, LONG).orElseThrow();
            CompletableFuture<Optional<Grant>> inFlight = client.acquireAsync(busy, Duration.ofMinutes(5), null);

            proxy.down();
            await().atMost(LONG).until(inFlight::isDone);
            assertThatThrownBy(inFlight::join).isInstanceOf(CompletionException.class)
                    .cause().isInstanceOf(ConnectionClosedException.class)
                    .extracting(e -> ((SwitchboardException) e).code()).isEqualTo("disconnected");

            await().atMost(LONG).until(() -> state(ConnectionEvent.Type.DISCONNECTED).isPresent());
            // Issued while reconnecting: waits, then goes out on the new connection.
            CompletableFuture<Duration> ping = client.pingAsync();
            CompletableFuture<Integer> publish = client.publishAsync("waiting", "sent-after-reconnect");
            assertThat(ping).isNotDone();
            proxy.up();
            await().atMost(LONG).until(() -> ping.isDone() && publish.isDone());
            assertThat(ping).isCompleted();
            assertThat(publish).isCompletedWithValue(0);
        }
    }

    @Test
    void aRequestWaitingForAReconnectFailsWithDisconnectedWhenItsTimeoutRunsOut() throws Exception {
        startServer(b -> b);
        try (SwitchboardClient client = viaProxy().requestTimeout(Duration.ofMillis(300)).connect()) {
            cut();
            assertThatThrownBy(client::ping).isInstanceOf(ConnectionClosedException.class)
                    .hasMessageContaining("not reconnected within 300 ms; ping was not sent");
            proxy.up();
            await().atMost(LONG).until(() -> state(ConnectionEvent.Type.RESUMED).isPresent());
            assertThat(client.ping()).isNotNull();
        }
    }

    @Test
    void closeStopsReconnecting() throws Exception {
        startServer(b -> b);
        SwitchboardClient client = viaProxy().connect();
        cut();
        await().atMost(LONG).until(() -> proxy.accepted() > 1); // it is retrying

        client.close();

        assertThat(client.closeFuture()).isDone();
        await().atMost(LONG).until(() -> state(ConnectionEvent.Type.CLOSED).isPresent());
        assertThat(state(ConnectionEvent.Type.CLOSED).orElseThrow().code()).isEqualTo("client_closed");
        assertThatThrownBy(client::ping).isInstanceOf(ConnectionClosedException.class);
        proxy.up();
        int attempts = proxy.accepted();
        await().during(Duration.ofMillis(800)).atMost(LONG).until(() -> proxy.accepted() == attempts);
        assertThat(states().get(states().size() - 1).type()).isEqualTo(ConnectionEvent.Type.CLOSED);
    }

    @Test
    void withReconnectOffADropStopsTheClient() throws Exception {
        startServer(b -> b);
        List<LockLost> lost = new CopyOnWriteArrayList<>();
        try (SwitchboardClient client = viaProxy().reconnect(false).connect()) {
            Lock lock = client.lock("gone", LockOptions.builder().onLost(lost::add).build());
            assertThat(lock.acquire(LONG)).isTrue();
            proxy.down();
            await().atMost(LONG).until(() -> state(ConnectionEvent.Type.CLOSED).isPresent());
            assertThat(client.closeFuture()).isDone();
            await().atMost(LONG).until(() -> lost.size() == 1);
            assertThat(lost.get(0).cause()).isInstanceOf(ConnectionClosedException.class);
            assertThatThrownBy(client::ping).isInstanceOf(ConnectionClosedException.class);
            assertThat(states().stream().map(ConnectionEvent::type).collect(Collectors.toList())).containsExactly(
                    ConnectionEvent.Type.CONNECTED, ConnectionEvent.Type.DISCONNECTED, ConnectionEvent.Type.CLOSED);
        }
    }

    @Test
    void givesUpAfterMaxReconnectAttempts() throws Exception {
        startServer(b -> b);
        try (SwitchboardClient client = viaProxy().maxReconnectAttempts(3).connect()) {
            cut();
            await().atMost(LONG).until(() -> state(ConnectionEvent.Type.CLOSED).isPresent());
            assertThat(state(ConnectionEvent.Type.CLOSED).orElseThrow().code()).isEqualTo("reconnect_failed");
            assertThat(client.closeFuture()).isDone();
            assertThat(proxy.accepted()).isEqualTo(1 + 3);
        }
    }
}
