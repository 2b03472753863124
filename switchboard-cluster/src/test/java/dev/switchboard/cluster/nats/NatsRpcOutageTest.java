package dev.switchboard.cluster.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.cluster.testing.NatsServer;
import dev.switchboard.core.rpc.InProcessHandlers;
import dev.switchboard.core.rpc.RpcResult;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.Reply;
import io.nats.client.Connection;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** NATS restarted under calls: each call gets an explicit outcome at once, and calls cross again once it is back. */
class NatsRpcOutageTest {
    private static NatsServer nats;
    private static RpcNode a;
    private static RpcNode b;

    @BeforeAll
    static void start() throws Exception {
        nats = NatsServer.started();
        a = new RpcNode("node-a", nats.url(), InProcessHandlers.NONE);
        b = new RpcNode("node-b", nats.url(), InProcessHandlers.NONE.with("up.echo",
                ctx -> CompletableFuture.completedFuture(RpcResult.ok(Payload.ofUtf8("b: " + ctx.payload().utf8())))));
    }

    @AfterAll
    static void stop() {
        if (a != null) a.close();
        if (b != null) b.close();
        if (nats != null) nats.close();
    }

    @Test
    void callsDuringANatsRestartGetAnExplicitOutcomeAndCallsCrossAgainAfterIt() throws Exception {
        RpcNode.Client backend = b.client();
        b.serve(backend, "long.job", null);
        CompletableFuture<Reply> inFlight = a.send(a.client(), "rpc.call", "name", "long.job", "timeout_ms", 60_000);
        backend.nextRequest(); // out on B, not answered

        long stopped = System.nanoTime();
        nats.stop();
        // The call out on NATS is answered when the connection drops, not at its 60 s deadline.
        Reply lost = inFlight.get(10, TimeUnit.SECONDS);
        assertThat(lost.error()).as("outcome %s", lost).isEqualTo(ErrorCode.DISCONNECTED);
        assertThat(lost.message()).contains("NATS");
        assertThat(Duration.ofNanos(System.nanoTime() - stopped)).isLessThan(Duration.ofSeconds(10));
        assertThat(a.engines.callsInFlight()).isZero();

        // While NATS is down: at once, every time.
        await().atMost(Duration.ofSeconds(10)).until(() -> a.connections.nats().getStatus() != Connection.Status.CONNECTED);
        for (int i = 0; i < 3; i++) {
            long t = System.nanoTime();
            Reply r = a.send(a.client(), "rpc.call", "name", "up.echo", "payload", "x", "timeout_ms", 30_000)
                    .get(5, TimeUnit.SECONDS);
            assertThat(r.error()).as("outcome %s", r).isEqualTo(ErrorCode.DISCONNECTED);
            assertThat(Duration.ofNanos(System.nanoTime() - t)).isLessThan(Duration.ofSeconds(1));
        }
        // A node's own members keep working without NATS.
        RpcNode.Client localEcho = b.client();
        Reply local = b.send(localEcho, "rpc.call", "name", "up.echo", "payload", "here", "timeout_ms", 5_000)
                .get(5, TimeUnit.SECONDS);
        assertThat(((Payload) local.result().get("payload")).utf8()).isEqualTo("b: here");

        nats.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> a.connections.nats().getStatus() == Connection.Status.CONNECTED
                && b.connections.nats().getStatus() == Connection.Status.CONNECTED);
        b.visibleToOtherNodes(); // B's subscriptions are back on the new server
        Reply again = a.send(a.client(), "rpc.call", "name", "up.echo", "payload", "back", "timeout_ms", 5_000)
                .get(10, TimeUnit.SECONDS);
        assertThat(again.isError()).as("outcome %s", again).isFalse();
        assertThat(((Payload) again.result().get("payload")).utf8()).isEqualTo("b: back");
        b.disconnect(backend);
    }
}
