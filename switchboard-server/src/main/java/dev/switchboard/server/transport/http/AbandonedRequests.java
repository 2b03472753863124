package dev.switchboard.server.transport.http;

import dev.switchboard.core.Dispatcher;
import dev.switchboard.protocol.Frame;
import dev.switchboard.protocol.Reply;
import dev.switchboard.core.session.Session;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What happens to a lock request whose HTTP client went away before its answer: a wait it can no
 * longer see is cancelled (it leaves the queue), a grant it never saw is released, and a place in
 * the queue it cannot wait on is given up. So a gone client leaks no token.
 */
public final class AbandonedRequests {
    private AbandonedRequests() {
    }

    /**
     * Cancels the session's pending waits on the frame's key if the exchange's connection closes
     * before the answer. Returns what the caller runs once the answer is in, to drop the hook (a
     * keep-alive connection carries many requests). The cancel is per session and key: a session
     * waits on a key once at a time over HTTP, where requests of a dflockd session are serialized.
     */
    public static Runnable cancelOnClose(HttpExchange ex, Dispatcher dispatcher, Session session, Frame frame) {
        String op = frame.op();
        if (!(op.endsWith(".acquire") || op.endsWith(".wait")) || !frame.has("key")) return () -> { };
        String cancelOp = op.substring(0, op.indexOf('.')) + ".cancel";
        io.netty.channel.ChannelFutureListener hook = f -> {
            if (!ex.answered()) {
                dispatcher.dispatch(session, new Frame(cancelOp, null, Map.of("key", frame.string("key"))), r -> { });
            }
        };
        ex.channel().closeFuture().addListener(hook);
        return () -> ex.channel().closeFuture().removeListener(hook);
    }

    /** Undoes the effect of a successful lock reply that its client will never read. */
    public static void giveBack(Dispatcher dispatcher, Session session, Frame frame, Reply reply) {
        String op = frame.op();
        if (reply.isError() || !(op.startsWith("lock.") || op.startsWith("sem."))) return;
        String kind = op.substring(0, op.indexOf('.'));
        String key = frame.string("key");
        Consumer<Reply> releaseGrant = r -> {
            if (!r.isError() && "acquired".equals(r.status())) {
                dispatcher.dispatch(session, new Frame(kind + ".release", null,
                        Map.of("key", key, "token", r.result().get("token"))), ignored -> { });
            }
        };
        if ("queued".equals(reply.status())) {
            dispatcher.dispatch(session, new Frame(kind + ".wait", null, Map.of("key", key, "timeout_ms", 0L)), releaseGrant);
        } else {
            releaseGrant.accept(reply);
        }
    }
}
