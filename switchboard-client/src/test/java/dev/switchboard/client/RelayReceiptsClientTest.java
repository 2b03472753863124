package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.protocol.Payload;
import dev.switchboard.server.identity.Acl;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Direct messages with receipts through the Java client: a receiving client acknowledges each one
 * that asks, after its listeners ran (with none, at once); the sender learns acknowledged or
 * undelivered, and loses its waiting receipts when its own client stops.
 */
class RelayReceiptsClientTest {
    private static final long WAIT_S = 10;
    private static final String ACL = """
            {"identities": [
               {"name": "team.alice", "token": "t-alice"},
               {"name": "team.bob", "token": "t-bob"}]}
            """;

    @RegisterExtension
    static final LiveServer SERVER = new LiveServer(b -> b.acl(Acl.parse(ACL)).sessionGrace(Duration.ofMillis(300)));

    private SwitchboardClient client(String token, java.util.function.Consumer<PeerMessage> listener) {
        return SERVER.client(b -> {
            b.authToken(token);
            return listener == null ? b : b.onPeerMessage(listener);
        });
    }

    @Test
    void theReceiptSaysAcknowledgedOnceTheReceiversListenersHadTheMessage() throws Exception {
        List<PeerMessage> toBob = new CopyOnWriteArrayList<>();
        client("t-bob", toBob::add);
        SwitchboardClient alice = client("t-alice", null);

        ReceiptStatus status = alice.sendWithReceiptAsync("team.bob", Payload.ofUtf8("invoice 7")).get(WAIT_S, TimeUnit.SECONDS);

        assertThat(status).isEqualTo(ReceiptStatus.ACKNOWLEDGED);
        assertThat(toBob).as("the listener had it before the acknowledgement").hasSize(1);
        assertThat(toBob.get(0).text()).isEqualTo("invoice 7");
        assertThat(toBob.get(0).ackId()).isNotBlank();
        alice.send("team.bob", "plain");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(WAIT_S)).until(() -> toBob.size() == 2);
        assertThat(toBob.get(1).ackId()).as("a plain send asks for no receipt").isNull();
    }

    @Test
    void aReceiverWithoutListenersStillAcknowledges() throws Exception {
        client("t-bob", null);
        SwitchboardClient alice = client("t-alice", null);

        assertThat(alice.sendWithReceiptAsync("team.bob", Payload.ofUtf8("x")).get(WAIT_S, TimeUnit.SECONDS))
                .isEqualTo(ReceiptStatus.ACKNOWLEDGED);
    }

    @Test
    void aReceiverWhoseSessionEndsBeforeAcknowledgingMakesItUndelivered() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        SwitchboardClient bob = client("t-bob", m -> {
            entered.countDown();
            awaitQuietly(release);
        });
        SwitchboardClient alice = client("t-alice", null);
        try {
            CompletableFuture<ReceiptStatus> receipt = alice.sendWithReceiptAsync("team.bob", Payload.ofUtf8("x"));
            assertThat(entered.await(WAIT_S, TimeUnit.SECONDS)).isTrue();
            bob.close(); // its listener still holds the message: no acknowledgement went out

            assertThat(receipt.get(WAIT_S, TimeUnit.SECONDS)).isEqualTo(ReceiptStatus.UNDELIVERED);
        } finally {
            release.countDown();
        }
    }

    @Test
    void aSenderWhoseClientStopsFailsTheReceiptsItWaitsFor() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        client("t-bob", m -> {
            entered.countDown();
            awaitQuietly(release);
        });
        SwitchboardClient alice = client("t-alice", null);
        try {
            CompletableFuture<ReceiptStatus> receipt = alice.sendWithReceiptAsync("team.bob", Payload.ofUtf8("x"));
            assertThat(entered.await(WAIT_S, TimeUnit.SECONDS)).as("the message reached bob").isTrue();
            alice.close();

            assertThatThrownBy(() -> receipt.get(WAIT_S, TimeUnit.SECONDS)).hasCauseInstanceOf(ConnectionClosedException.class);
        } finally {
            release.countDown();
        }
    }

    @Test
    void aReceiptForNobodyFailsAtOnceAsASendDoes() {
        SwitchboardClient alice = client("t-alice", null);

        assertThatThrownBy(() -> alice.sendWithReceiptAsync("team.nobody", Payload.ofUtf8("x")).get(WAIT_S, TimeUnit.SECONDS))
                .hasCauseInstanceOf(PeerNotFoundException.class);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(WAIT_S, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
