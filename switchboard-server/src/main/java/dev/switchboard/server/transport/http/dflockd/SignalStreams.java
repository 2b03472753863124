package dev.switchboard.server.transport.http.dflockd;

import dev.switchboard.server.limits.Limits;
import dev.switchboard.core.session.Session;
import dev.switchboard.core.pubsub.Signal;
import dev.switchboard.core.session.SessionConnection;
import dev.switchboard.core.session.SessionEvent;
import dev.switchboard.core.session.SessionRegistry;
import dev.switchboard.protocol.Frame;
import dev.switchboard.server.transport.PushQueue;
import dev.switchboard.server.transport.EventLoops;
import dev.switchboard.server.transport.ServerContext;
import dev.switchboard.server.transport.dflockd.DflockdStats;
import dev.switchboard.server.transport.http.EventStreams;
import dev.switchboard.server.transport.http.HttpExchange;
import dev.switchboard.server.transport.http.HttpRequests;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * dflockd 1.15–1.16's signal stream, {@code GET /v1/signals?pattern=…&group=…}: a session bound
 * to the stream listens on the pattern and each signal goes out as an SSE event {@code sig}. The
 * stream opens with the comment {@code :ok}, carries a keep-alive comment every
 * {@code --http-sse-ping-interval}, and ends (dropping the subscription) when the client leaves.
 */
final class SignalStreams {
    private final ServerContext server;

    SignalStreams(ServerContext server) {
        this.server = server;
    }

    void open(HttpExchange ex) {
        String pattern = ex.query("pattern");
        if (pattern == null || pattern.isEmpty()) {
            ex.error(HttpResponseStatus.BAD_REQUEST, "bad_request", "pattern required");
            return;
        }
        String group = ex.query("group");
        Channel ch = ex.channel();
        Stream stream = new Stream(ch);
        SessionRegistry sessions = server.core().sessions();
        Session session = ((SessionRegistry.Opened) sessions.open(sessions.signalStreamPolicy(), "dflockd-sse",
                dev.switchboard.server.transport.PeerAddress.of(ch), null, stream)).session();
        dev.switchboard.core.identity.Identity identity = dev.switchboard.server.transport.http.HttpFront.identity(server, ex);
        if (identity != null) session.identity(identity);
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("pattern", pattern);
        f.put("group", group == null ? "" : group);
        session.submit(server.core().dflockdDispatcher(), new Frame("signal.listen", null, f), HttpRequests.origin(ch),
                (reply, undo) -> {
                    server.countLimitReply(reply);
                    if (reply.isError() || !ch.isActive()) {
                        sessions.detach(session, stream); // the session ends with its stream, which stays open for the answer
                        if (reply.isError() && reply.error() == dev.switchboard.protocol.ErrorCode.FORBIDDEN) {
                            ex.error(HttpResponseStatus.FORBIDDEN, "forbidden", reply.message());
                        } else if (reply.isError()) {
                            ex.error(HttpResponseStatus.BAD_REQUEST, "bad_request", reply.message());
                        }
                        return;
                    }
                    if (!ex.claimForStream(HttpResponseStatus.OK)) return;
                    HttpResponse head = EventStreams.head(ex);
                    // Before this task ends: a signal delivered meanwhile by another thread queues behind the head.
                    EventLoops.now(ch, () -> {
                        ch.write(head);
                        EventStreams.write(ch, ":ok\n\n");
                        EventStreams.keepAlive(ch, server.config().httpSsePingInterval(), server.core().clock());
                        ch.closeFuture().addListener(done -> sessions.detach(session, stream));
                    });
                });
    }

    /** The stream as its session's connection: each signal becomes an event, behind a bounded queue. */
    private final class Stream implements SessionConnection {
        private final Channel ch;
        private final PushQueue pushes;

        Stream(Channel ch) {
            this.ch = ch;
            this.pushes = new PushQueue(ch, server.config().signalBufferSize(),
                    () -> server.limitHit(Limits.SIGNAL_BUFFER_SIZE));
        }

        @Override
        public Delivery deliver(long seq, SessionEvent event) {
            if (!(event instanceof Signal signal)) return Delivery.ACCEPTED;
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("channel", signal.channel());
            data.put("payload", signal.payload().utf8()); // the payload's text
            String sse = "event: sig\ndata: " + DflockdStats.render(data) + "\n\n";
            return pushes.offerEvent(new DefaultHttpContent(Unpooled.copiedBuffer(sse, StandardCharsets.UTF_8)));
        }

        @Override
        public void disconnect(String code, String message) {
            ch.close();
        }

        @Override
        public String transport() {
            return "sse";
        }

        @Override
        public String remoteAddress() {
            return dev.switchboard.server.transport.PeerAddress.of(ch);
        }
    }
}
