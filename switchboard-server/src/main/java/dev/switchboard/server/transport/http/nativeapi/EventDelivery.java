package dev.switchboard.server.transport.http.nativeapi;

import dev.switchboard.core.session.Outbox;
import dev.switchboard.server.transport.JsonSupport;
import dev.switchboard.server.transport.PushQueue;
import dev.switchboard.server.transport.ServerContext;
import dev.switchboard.server.transport.http.EventStreams;
import dev.switchboard.server.transport.http.HttpExchange;
import dev.switchboard.server.transport.http.HttpSession;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Delivers a session's events over HTTP, from its outbox: as a Server-Sent Events stream (each
 * event's {@code id:} is its sequence number, so a reconnect with {@code Last-Event-ID} resumes
 * after it) or by long-poll (a request that returns what is pending, or waits for it, and
 * acknowledges everything up to its {@code after} cursor). One reader per session at a time: a
 * new stream or poll replaces the previous one.
 */
final class EventDelivery {
    static final long MAX_POLL_MS = 60_000;
    static final long DEFAULT_POLL_MS = 30_000;

    private final ServerContext server;

    EventDelivery(ServerContext server) {
        this.server = server;
    }

    // ---- SSE ---------------------------------------------------------------------------------------

    void stream(HttpExchange ex, HttpSession session) {
        long lastEventId = cursor(ex.header("Last-Event-ID"), ex.query("last_event_id"));
        if (lastEventId < 0) {
            ex.error(HttpResponseStatus.BAD_REQUEST, "invalid_argument", "Last-Event-ID must be a sequence number");
            return;
        }
        if (!ex.claimForStream(HttpResponseStatus.OK)) return;
        Channel ch = ex.channel();
        Outbox outbox = session.outbox();
        outbox.acknowledge(lastEventId);
        HttpResponse head = EventStreams.head(ex);
        Consumer<Outbox.Event> listener = e -> write(ch, sseEvent(e));
        session.streamOpened();
        ch.eventLoop().execute(() -> {
            ch.write(head);
            StringBuilder first = new StringBuilder("retry: 1000\n\n");
            if (outbox.missedAfter(lastEventId)) first.append(gapEvent(lastEventId, outbox.firstAvailable()));
            write(ch, first.toString());
            // Taking the backlog and becoming the listener happen at once, so nothing falls between.
            for (Outbox.Event e : outbox.listen(lastEventId, listener)) write(ch, sseEvent(e));
            outbox.onReplaced(listener, ch::close); // a newer reader takes over: this stream ends
            EventStreams.keepAlive(ch, server.config().httpSsePingInterval());
            Runnable dropEndHook = session.onEnd(ch::close); // the stream ends with its session
            ch.closeFuture().addListener(f -> {
                outbox.unlisten(listener);
                dropEndHook.run();
                session.streamClosed();
            });
        });
    }

    /**
     * A session opened over TCP, a Unix socket or WebSocket, resumed over SSE: the stream is one
     * more attached connection — the backlog after {@code Last-Event-ID} first (with a gap event
     * when some of it is gone), then every new event — and detaches when the client leaves.
     */
    void attachStream(HttpExchange ex, dev.switchboard.core.session.Session session, String key) {
        long lastEventId = cursor(ex.header("Last-Event-ID"), ex.query("last_event_id"));
        if (lastEventId < 0) {
            ex.error(HttpResponseStatus.BAD_REQUEST, "invalid_argument", "Last-Event-ID must be a sequence number");
            return;
        }
        Channel ch = ex.channel();
        SseConnection conn = new SseConnection(ch, ex.remoteIp() == null ? "" : String.valueOf(ch.remoteAddress()),
                server.config().signalBufferSize());
        dev.switchboard.core.session.SessionRegistry.Attach attach =
                server.core().sessions().resume(session.id(), key, lastEventId, conn);
        if (!(attach instanceof dev.switchboard.core.session.SessionRegistry.Attached attached)) {
            dev.switchboard.core.session.SessionRegistry.Refused r = (dev.switchboard.core.session.SessionRegistry.Refused) attach;
            ex.error(r.code().equals("session_not_found") ? HttpResponseStatus.NOT_FOUND : HttpResponseStatus.SERVICE_UNAVAILABLE,
                    r.code(), r.message());
            return;
        }
        if (!ex.claimForStream(HttpResponseStatus.OK)) {
            server.core().sessions().detach(session, conn);
            return;
        }
        HttpResponse head = EventStreams.head(ex);
        // Written first on the event loop: live events delivered by other threads queue behind it.
        ch.eventLoop().execute(() -> {
            ch.write(head);
            StringBuilder first = new StringBuilder("retry: 1000\n\n");
            if (!attached.recovered()) first.append(gapEvent(lastEventId, session.replay().firstAvailable()));
            for (Outbox.Event e : attached.backlog()) first.append(sseEvent(e));
            write(ch, first.toString());
            EventStreams.keepAlive(ch, server.config().httpSsePingInterval());
            ch.closeFuture().addListener(f -> server.core().sessions().detach(session, conn));
        });
    }

    /** An SSE stream attached to a resumable session, as one of its connections. */
    private static final class SseConnection implements dev.switchboard.core.session.SessionConnection {
        private final Channel ch;
        private final String remote;
        private final PushQueue pushes;

        SseConnection(Channel ch, String remote, int maxQueued) {
            this.ch = ch;
            this.remote = remote;
            this.pushes = new PushQueue(ch, maxQueued);
        }

        @Override
        public boolean deliver(Map<String, Object> event) {
            long seq = ((Number) event.get("seq")).longValue();
            return pushes.offer(new DefaultHttpContent(Unpooled.copiedBuffer(sseEvent(new Outbox.Event(seq, event)),
                    StandardCharsets.UTF_8)));
        }

        @Override
        public void disconnect(String code, String message) {
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("op", "error");
            error.put("error", Map.of("code", code, "message", message));
            ch.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer("event: error\ndata: "
                    + JsonSupport.writeString(error) + "\n\n", StandardCharsets.UTF_8))).addListener(f -> ch.close());
        }

        @Override
        public String transport() {
            return "sse";
        }

        @Override
        public String remoteAddress() {
            return remote;
        }
    }

    private static String sseEvent(Outbox.Event e) {
        return "id: " + e.seq() + "\nevent: " + e.message().get("op") + "\ndata: " + JsonSupport.writeString(e.message()) + "\n\n";
    }

    private static String gapEvent(long lastEventId, long firstAvailable) {
        Map<String, Object> gap = new LinkedHashMap<>();
        gap.put("op", "gap");
        gap.put("after", lastEventId);
        gap.put("first_available", firstAvailable);
        return "event: gap\ndata: " + JsonSupport.writeString(gap) + "\n\n";
    }

    private static void write(Channel ch, String text) {
        EventStreams.write(ch, text);
    }

    // ---- long-poll ---------------------------------------------------------------------------------

    void poll(HttpExchange ex, HttpSession session) {
        long after = cursor(null, ex.query("after"));
        long timeoutMs = cursor(null, ex.query("timeout_ms"));
        if (after < 0 || timeoutMs < 0) {
            ex.error(HttpResponseStatus.BAD_REQUEST, "invalid_argument", "after and timeout_ms must be whole numbers");
            return;
        }
        if (ex.query("timeout_ms") == null) timeoutMs = DEFAULT_POLL_MS;
        new WaitingPoll(ex, session, after).start(Math.min(timeoutMs, MAX_POLL_MS));
    }

    /**
     * One long-poll: answered once, by the first of an event, the timeout, a newer reader, the
     * session's end or the client leaving; every hook it set is removed when it is answered, so a
     * keep-alive connection carrying many polls accumulates nothing.
     */
    private static final class WaitingPoll implements Consumer<Outbox.Event>, ChannelFutureListener {
        private final HttpExchange ex;
        private final HttpSession session;
        private final Outbox outbox;
        private final long after;
        private final AtomicBoolean done = new AtomicBoolean();
        private ScheduledFuture<?> timer;
        private Runnable dropEndHook = () -> { };

        WaitingPoll(HttpExchange ex, HttpSession session, long after) {
            this.ex = ex;
            this.session = session;
            this.outbox = session.outbox();
            this.after = after;
        }

        void start(long timeoutMs) {
            outbox.acknowledge(after);
            session.streamOpened();
            List<Outbox.Event> pending = outbox.listen(after, this);
            if (!pending.isEmpty() || outbox.missedAfter(after)) {
                finish(true);
                return;
            }
            if (timeoutMs == 0) {
                finish(false);
                return;
            }
            timer = ex.channel().eventLoop().schedule(() -> finish(false), timeoutMs, TimeUnit.MILLISECONDS);
            ex.channel().closeFuture().addListener(this);
            outbox.onReplaced(this, () -> finish(false));
            dropEndHook = session.onEnd(() -> finish(false));
        }

        /** An event arrived. */
        @Override
        public void accept(Outbox.Event e) {
            finish(true);
        }

        /** The client left. */
        @Override
        public void operationComplete(io.netty.channel.ChannelFuture f) {
            finish(false);
        }

        private void finish(boolean withEvents) {
            if (!done.compareAndSet(false, true)) return;
            outbox.unlisten(this);
            session.streamClosed();
            if (timer != null) timer.cancel(false);
            ex.channel().closeFuture().removeListener(this);
            dropEndHook.run();
            if (!ex.channel().isActive()) return;
            if (withEvents) {
                answerPoll(ex, outbox, after);
            } else {
                ex.noContent();
            }
        }
    }

    private static void answerPoll(HttpExchange ex, Outbox outbox, long after) {
        List<Map<String, Object>> events = new ArrayList<>();
        long last = after;
        for (Outbox.Event e : outbox.after(after)) {
            events.add(e.message());
            last = e.seq();
        }
        Map<String, Object> body = new LinkedHashMap<>();
        long firstAvailable = outbox.firstAvailable();
        if (outbox.missedAfter(after)) {
            // Events after the cursor were dropped from the full buffer before this poll came.
            Map<String, Object> gap = new LinkedHashMap<>();
            gap.put("after", after);
            gap.put("first_available", firstAvailable);
            body.put("gap", gap);
        }
        body.put("events", events);
        body.put("last_seq", last);
        ex.json(HttpResponseStatus.OK, body);
    }

    /** A non-negative whole number from a header or a query parameter (0 when both are absent), -1 when malformed. */
    private static long cursor(String header, String query) {
        String v = header != null ? header : query;
        if (v == null || v.isBlank()) return 0;
        try {
            long n = Long.parseLong(v.trim());
            return n < 0 ? -1 : n;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
