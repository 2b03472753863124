package dev.switchboard.server.transport.http.dflockd;

import dev.switchboard.protocol.Frame;
import dev.switchboard.core.session.Session;
import dev.switchboard.core.session.SessionSink;
import dev.switchboard.server.transport.PushQueue;
import dev.switchboard.server.transport.ServerContext;
import dev.switchboard.server.transport.dflockd.DflockdStats;
import dev.switchboard.server.transport.http.EventStreams;
import dev.switchboard.server.transport.http.HttpExchange;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * dflockd 1.15–1.16's signal stream, {@code GET /v1/signals?pattern=…&group=…}: a dedicated
 * session listens on the pattern and each signal goes out as an SSE event {@code sig}. The
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
        Session session = server.core().sessions().open("dflockd-sse", String.valueOf(ch.remoteAddress()), stream);
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("pattern", pattern);
        f.put("group", group == null ? "" : group);
        server.core().dflockdDispatcher().dispatch(session, new Frame("signal.listen", null, f), reply -> {
            if (reply.isError() || !ch.isActive()) {
                server.core().sessions().close(session, true);
                if (reply.isError()) ex.error(HttpResponseStatus.BAD_REQUEST, "bad_request", reply.message());
                return;
            }
            if (!ex.claimForStream(HttpResponseStatus.OK)) return;
            HttpResponse head = EventStreams.head(ex);
            ch.eventLoop().execute(() -> {
                ch.write(head);
                EventStreams.write(ch, ":ok\n\n");
                EventStreams.keepAlive(ch, server.config().httpSsePingInterval());
                ch.closeFuture().addListener(done -> server.core().sessions().close(session, true));
            });
        });
    }

    /** The stream's side of the session: each signal becomes an event, behind a bounded queue. */
    private final class Stream implements SessionSink {
        private final Channel ch;
        private final PushQueue pushes;

        Stream(Channel ch) {
            this.ch = ch;
            this.pushes = new PushQueue(ch, server.config().signalBufferSize());
        }

        @Override
        public boolean pushSignal(String channel, String payload) {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("channel", channel);
            data.put("payload", payload);
            String event = "event: sig\ndata: " + DflockdStats.render(data) + "\n\n";
            return pushes.offer(new DefaultHttpContent(Unpooled.copiedBuffer(event, StandardCharsets.UTF_8)));
        }

        @Override
        public void disconnect(String reason) {
            ch.close();
        }
    }
}
