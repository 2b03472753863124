package dev.switchboard.core.rpc;

import dev.switchboard.core.Dispatcher;
import dev.switchboard.core.session.Request;
import dev.switchboard.core.session.Session;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Frame;
import dev.switchboard.protocol.Reply;
import java.util.Map;
import java.util.concurrent.CompletionException;

/**
 * {@code rpc.chunk {rid, payload}}: a backend's chunk of a streaming call. Answered {@code {}} once
 * the caller's connection wrote it — the backend sends the next chunk after that answer — or with
 * why it was not taken: {@code too_many_requests} past the window, {@code unknown_request} when the
 * call has ended (counted as a late reply), {@code slow_consumer} when the call's deadline came
 * while the caller read slowly.
 */
final class ChunkOps {
    private final RequestReply rpc;

    ChunkOps(RequestReply rpc) {
        this.rpc = rpc;
    }

    void registerWith(Dispatcher dispatcher) {
        dispatcher.register("rpc.chunk", this::chunk);
    }

    private void chunk(Request req) {
        Frame f = req.frame();
        String rid = f.string("rid");
        Session s = RpcOps.session(req);
        var chunk = RpcOps.payload(f);
        RpcCall call = rpc.tracker().find(rid);
        // Only the backend the call went to may stream to it; an ended call is refused by its stream.
        if (call == null || !s.id().equals(call.backend())) {
            rpc.tracker().lateReply();
            req.reply(Reply.error(ErrorCode.UNKNOWN_REQUEST, "no call " + rid + " is waiting for this session's chunks"
                    + " (it ended: its deadline passed or its caller went)"));
            return;
        }
        ResponderStream stream = call.stream();
        if (stream == null) throw RpcOps.invalid("the caller of " + rid + " did not ask for a stream: answer with rpc.respond");
        stream.send(chunk).whenComplete((ok, e) -> {
            if (e == null) {
                req.reply(Reply.ok(Map.of()));
                return;
            }
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            RpcStreamException refused = (RpcStreamException) cause;
            if (refused.code() == ErrorCode.UNKNOWN_REQUEST) rpc.tracker().lateReply();
            req.reply(Reply.error(refused.code(), refused.getMessage()));
        });
    }
}
