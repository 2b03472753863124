package dev.switchboard.cluster.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.switchboard.cluster.testing.ExternalServer;
import dev.switchboard.core.pubsub.HistoryRule;
import dev.switchboard.core.pubsub.Since;
import dev.switchboard.core.pubsub.SubscribeResult;
import dev.switchboard.core.pubsub.Subscriber;
import dev.switchboard.core.pubsub.TopicHistories;
import dev.switchboard.core.pubsub.TopicPosition;
import dev.switchboard.protocol.Payload;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Subscribing to a topic with history while JetStream does not answer (a real nats-server whose
 * JetStream API requests are taken and never answered): the subscribing thread does not wait, the
 * subscribe's stage answers within the NATS timeout — {@link HistoryUnavailableException} for a
 * subscription from an offset, an empty epoch without one — and the node's other subscriptions and
 * publications are not held up meanwhile.
 */
class NatsHistorySubscribeOffThreadTest {
    private static final Duration NATS_TIMEOUT = Duration.ofMillis(1_500);
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static NatsWithoutJetStream nats;
    private static Connection silentJetStream;
    private static Connection nodeConnection;
    private static NatsBroker node;

    /** Debian's nats-server without JetStream, so that a test subscriber can stand in for a JetStream that never answers. */
    private static final class NatsWithoutJetStream extends ExternalServer {
        private final int port = freePorts(1)[0];

        NatsWithoutJetStream() {
            super("nats-nojs");
        }

        @Override
        protected List<String> command(Path dataDir) {
            return List.of(binary("nats-server", "nats-server"), "-a", "127.0.0.1", "-p", Integer.toString(port));
        }

        @Override
        protected int readyPort() {
            return port;
        }

        String url() {
            return "nats://127.0.0.1:" + port;
        }
    }

    @BeforeAll
    static void startNode() throws Exception {
        nats = new NatsWithoutJetStream();
        nats.start();
        silentJetStream = Nats.connect(nats.url());
        // Takes every JetStream API request and answers none: JetStream "down" while NATS is up.
        silentJetStream.createDispatcher(m -> { }).subscribe("$JS.API.>");
        silentJetStream.flush(Duration.ofSeconds(5));
        nodeConnection = Nats.connect(new Options.Builder().server(nats.url()).connectionName("a").build());
        TopicHistories histories = new TopicHistories(new TopicHistories.Settings(
                List.of(HistoryRule.parse("orders.>=100")), 8L << 20, 0), System::currentTimeMillis);
        node = new NatsBroker(nodeConnection, "a", new NatsSubjects("hs"),
                NatsBrokerSettings.defaults(0, histories).withNatsTimeout(NATS_TIMEOUT), null);
    }

    @AfterAll
    static void stopNode() throws InterruptedException {
        if (node != null) node.close();
        if (nodeConnection != null) nodeConnection.close();
        if (silentJetStream != null) silentJetStream.close();
        if (nats != null) nats.close();
    }

    /** Keeps the texts it is offered. */
    private static final class Texts implements Subscriber {
        final List<String> got = new CopyOnWriteArrayList<>();

        @Override
        public boolean offer(String channel, Payload payload) {
            got.add(payload.utf8());
            return true;
        }

        @Override
        public void evictSlow() {
            throw new AssertionError("never full");
        }
    }

    @Test
    void aSubscriptionFromAnOffsetFailsExplicitlyWithinTheTimeoutAndNeitherItsThreadNorOtherOperationsWait() throws Exception {
        Texts resuming = new Texts();
        long t0 = System.nanoTime();
        CompletableFuture<TopicPosition> fromOffset = node.subscribe(resuming, "orders.eu", null, new Since(5, "0abc"))
                .toCompletableFuture();
        CompletableFuture<TopicPosition> positionOnly = node.subscribe(new Texts(), "orders.us", null, null).toCompletableFuture();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("the subscribing thread does not wait for JetStream")
                .isLessThan(NATS_TIMEOUT.dividedBy(2));

        // Meanwhile a topic without history subscribes and delivers across the node at once.
        Texts plain = new Texts();
        long t1 = System.nanoTime();
        assertThat(node.subscribe(plain, "chat.room", null).toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .isEqualTo(SubscribeResult.SUBSCRIBED);
        node.publish("chat.room", Payload.ofUtf8("hello")).toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(plain.got).containsExactly("hello");
        assertThat(Duration.ofNanos(System.nanoTime() - t1)).as("other operations are not held up by the JetStream reads")
                .isLessThan(NATS_TIMEOUT.dividedBy(2));
        assertThat(fromOffset).as("still waiting for JetStream").isNotDone();

        // The answers: within the NATS timeout (and the history threads' turn), explicit.
        assertThatThrownBy(() -> fromOffset.get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(HistoryUnavailableException.class);
        TopicPosition live = positionOnly.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(live.subscribe()).isEqualTo(SubscribeResult.SUBSCRIBED);
        assertThat(live.epoch()).as("JetStream did not answer: an empty epoch, the subscription stands").isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("bounded by the NATS timeout")
                .isLessThan(NATS_TIMEOUT.multipliedBy(3));
        assertThat(resuming.got).as("nothing offered from a backlog that could not be read").isEmpty();
        await().atMost(WAIT).until(() -> node.historyPending() == 0);
    }
}
