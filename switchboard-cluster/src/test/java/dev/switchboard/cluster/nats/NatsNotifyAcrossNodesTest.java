package dev.switchboard.cluster.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.cluster.testing.NatsServer;
import dev.switchboard.core.rpc.InProcessHandlers;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.Reply;
import io.nats.client.Connection;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code rpc.notify} across two nodes on one nats-server: where it goes, and what {@code ack} answers when it cannot cross. */
class NatsNotifyAcrossNodesTest {
    private static NatsServer nats;
    private static RpcNode a;
    private static RpcNode b;

    @BeforeAll
    static void start() throws Exception {
        nats = NatsServer.started();
        a = new RpcNode("node-a", nats.url(), InProcessHandlers.NONE);
        b = new RpcNode("node-b", nats.url(), InProcessHandlers.NONE);
    }

    @AfterAll
    static void stop() {
        if (a != null) a.close();
        if (b != null) b.close();
        if (nats != null) nats.close();
    }

    @Test
    void aNotifyGoesToABackendOnTheOtherNodeUnlessThisNodeServesTheName() throws Exception {
        RpcNode.Client remote = b.client();
        b.serve(remote, "nt.audit.>", null);
        RpcNode.Client sender = a.client();

        Reply acked = a.send(sender, "rpc.notify", "name", "nt.audit.login", "payload", "ada", "ack", true).get(5, TimeUnit.SECONDS);
        assertThat(acked.isError()).as("outcome %s", acked).isFalse();
        Map<String, Object> got = remote.nextRequest();
        assertThat(got).containsEntry("name", "nt.audit.login").containsEntry("notify", true).doesNotContainKey("rid");
        assertThat(((Payload) got.get("payload")).utf8()).isEqualTo("ada");

        RpcNode.Client local = a.client();
        a.serve(local, "nt.audit.>", null);
        assertThat(a.send(sender, "rpc.notify", "name", "nt.audit.logout", "payload", "bob", "ack", true)
                .get(5, TimeUnit.SECONDS).isError()).isFalse();
        assertThat(((Payload) local.nextRequest().get("payload")).utf8()).as("a local member is preferred").isEqualTo("bob");
        assertThat(remote.requests.poll(200, TimeUnit.MILLISECONDS)).as("the other node got nothing").isNull();
        a.disconnect(local);

        Reply nobody = a.send(sender, "rpc.notify", "name", "nt.nobody", "payload", "x", "ack", true).get(5, TimeUnit.SECONDS);
        assertThat(nobody.error()).as("outcome %s", nobody).isEqualTo(ErrorCode.NO_RESPONDERS);
        b.disconnect(remote);
    }

    @Test
    void withoutNatsANotifyWithAckIsAnsweredDisconnectedAtOnceAndOneWithoutAckIsAnsweredOk() throws Exception {
        RpcNode.Client remote = b.client();
        b.serve(remote, "nt.down.>", null);
        RpcNode.Client sender = a.client();
        nats.stop();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> a.connections.nats().getStatus() != Connection.Status.CONNECTED);
            long t = System.nanoTime();
            Reply r = a.send(sender, "rpc.notify", "name", "nt.down.x", "payload", "x", "ack", true).get(5, TimeUnit.SECONDS);
            assertThat(r.error()).as("outcome %s", r).isEqualTo(ErrorCode.DISCONNECTED);
            assertThat(Duration.ofNanos(System.nanoTime() - t)).isLessThan(Duration.ofSeconds(1));
            assertThat(a.send(sender, "rpc.notify", "name", "nt.down.x", "payload", "x").get(5, TimeUnit.SECONDS).isError())
                    .as("fire-and-forget: answered {} as on one node").isFalse();
            assertThat(a.engines.callsInFlight()).isZero();
        } finally {
            nats.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> a.connections.nats().getStatus() == Connection.Status.CONNECTED
                    && b.connections.nats().getStatus() == Connection.Status.CONNECTED);
            b.disconnect(remote);
        }
    }
}
