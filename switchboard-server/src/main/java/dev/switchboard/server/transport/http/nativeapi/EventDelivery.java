package dev.switchboard.server.transport.http.nativeapi;

import dev.switchboard.server.limits.Limits;
import dev.switchboard.core.session.AcknowledgedEvent;
import dev.switchboard.core.session.Outbox;
import dev.switchboard.core.session.Session;
import dev.switchboard.core.session.SessionConnection;
import dev.switchboard.core.session.SessionEvent;
import dev.switchboard.core.session.SessionRegistry;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.server.transport.JsonSupport;
import dev.switchboard.server.transport.LoopDeadline;
import dev.switchboard.server.transport.PushQueue;
import dev.switchboard.server.transport.EventLoops;
import dev.switchboard.server.transport.ServerContext;
import dev.switchboard.server.transport.http.EventStreams;
import dev.switchboard.server.transport.http.HttpExchange;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Delivers a session's events over HTTP, whichever transport opened the session. An SSE stream
 * is one more connection attached to the session: the backlog after {@code Last-Event-ID} first
 * (each event's {@code id:} is its sequence number; a gap event when some of it is gone), then
 * every new event, behind a bounded queue. A long-poll is a connection attached until it has
 * something to answer: what is pending after its {@code after} cursor (which acknowledges
 * everything up to it), or the first new event, or nothing when its timeout ends.
 */
final class EventDelivery {
    static final long MAX_POLL_MS = 60_000;
    static final long DEFAULT_POLL_MS = 30_000;
    /** How long a stream being closed by the server waits for its last event to be read. */
    static final long LAST_WORD_MS = 1_000;

    private final ServerContext server;

    EventDelivery(ServerContext server) {
        this.server = server;
    }

    // ---- SSE ---------------------------------------------------------------------------------------

    void stream(HttpExchange ex, Session session) {
        long lastEventId = cursor(ex.header("Last-Event-ID"), ex.query("last_event_id"));
        if (lastEventId < 0) {
            ex.error(HttpResponseStatus.BAD_REQUEST, "invalid_argument", "Last-Event-ID must be a sequence number");
            return;
        }
        Channel ch = ex.channel();
        SseConnection conn = new SseConnection(ch, dev.switchboard.server.transport.PeerAddress.of(ch), server.config().signalBufferSize(),
                () -> server.limitHit(Limits.SIGNAL_BUFFER_SIZE));
        session.replay().acknowledge(lastEventId);
        // The head and the backlog are written on the event loop ahead of any live event the
        // session delivers after the attach (at once when the session's mailbox was idle).
        server.core().sessions().attach(session, conn, lastEventId, attach -> EventLoops.now(ch, () -> {
            if (!(attach instanceof SessionRegistry.Attached attached)) {
                refuse(ex, (SessionRegistry.Refused) attach);
                return;
            }
            if (!ch.isActive() || !ex.claimForStream(HttpResponseStatus.OK)) {
                server.core().sessions().detach(session, conn);
                return;
            }
            ch.write(EventStreams.head(ex));
            StringBuilder first = new StringBuilder("retry: 1000\n\n");
            if (!attached.recovered()) first.append(gapEvent(lastEventId, session.replay().firstAvailable()));
            for (Outbox.Event e : attached.backlog()) first.append(sseEvent(e));
            EventStreams.write(ch, first.toString());
            for (Outbox.Event e : attached.backlog()) {
                if (e.event() instanceof AcknowledgedEvent a) a.written(); // a stream's chunk, out in the backlog
            }
            EventStreams.keepAlive(ch, server.config().httpSsePingInterval(), server.core().clock());
            ch.closeFuture().addListener(f -> server.core().sessions().detach(session, conn));
        }));
    }

    /** An SSE stream attached to a session, as one of its connections. */
    private static final class SseConnection implements SessionConnection {
        private final Channel ch;
        private final String remote;
        private final PushQueue pushes;

        SseConnection(Channel ch, String remote, int maxQueued, Runnable onFull) {
            this.ch = ch;
            this.remote = remote;
            this.pushes = new PushQueue(ch, maxQueued, onFull);
        }

        @Override
        public Delivery deliver(long seq, SessionEvent event) {
            return pushes.offerEvent(new DefaultHttpContent(Unpooled.copiedBuffer(sseEvent(new Outbox.Event(seq, event)),
                    StandardCharsets.UTF_8)), event);
        }

        @Override
        public void disconnect(String code, String message) {
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("op", "error");
            error.put("error", Map.of("code", code, "message", message));
            ch.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer("event: error\ndata: "
                    + JsonSupport.writeString(error) + "\n\n", StandardCharsets.UTF_8))).addListener(f -> ch.close());
            // A reader that does not read never lets that write finish: it is cut a moment later anyway.
            ch.eventLoop().schedule(() -> ch.close(), LAST_WORD_MS, TimeUnit.MILLISECONDS);
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

    // ---- long-poll ---------------------------------------------------------------------------------

    void poll(HttpExchange ex, Session session) {
        long after = cursor(null, ex.query("after"));
        long timeoutMs = cursor(null, ex.query("timeout_ms"));
        if (after < 0 || timeoutMs < 0) {
            ex.error(HttpResponseStatus.BAD_REQUEST, "invalid_argument", "after and timeout_ms must be whole numbers");
            return;
        }
        if (ex.query("timeout_ms") == null) timeoutMs = DEFAULT_POLL_MS;
        session.replay().acknowledge(after);
        new WaitingPoll(ex, session, after).start(Math.min(timeoutMs, MAX_POLL_MS));
    }

    /**
     * One long-poll, attached to the session while it waits: answered once, by the first of an
     * event, the timeout, the session's end or the client leaving; every hook it set is removed
     * when it is answered, so that a keep-alive connection carrying many polls accumulates nothing.
     */
    private final class WaitingPoll implements SessionConnection, ChannelFutureListener {
        private final HttpExchange ex;
        private final Session session;
        private final long after;
        private final AtomicBoolean done = new AtomicBoolean();
        private LoopDeadline timer;

        WaitingPoll(HttpExchange ex, Session session, long after) {
            this.ex = ex;
            this.session = session;
            this.after = after;
        }

        void start(long timeoutMs) {
            Channel ch = ex.channel();
            server.core().sessions().attach(session, this, after, attach -> EventLoops.now(ch, () -> {
                if (!(attach instanceof SessionRegistry.Attached attached)) {
                    done.set(true);
                    refuse(ex, (SessionRegistry.Refused) attach);
                    return;
                }
                if (!attached.backlog().isEmpty() || session.replay().missedAfter(after) || timeoutMs == 0) {
                    finish(!attached.backlog().isEmpty() || session.replay().missedAfter(after));
                    return;
                }
                if (done.get()) return; // an event came first
                timer = LoopDeadline.after(server.core().clock(), ch.eventLoop(), timeoutMs, TimeUnit.MILLISECONDS, () -> finish(false));
                ch.closeFuture().addListener(this);
            }));
        }

        /** An event arrived: answered from the event loop, not from the thread that emitted it. */
        @Override
        public Delivery deliver(long seq, SessionEvent event) {
            ex.channel().eventLoop().execute(() -> finish(true));
            return Delivery.ACCEPTED;
        }

        /** The session ended (or cut this poll): answered with nothing. */
        @Override
        public void disconnect(String code, String message) {
            ex.channel().eventLoop().execute(() -> finish(false));
        }

        /** The client left. */
        @Override
        public void operationComplete(ChannelFuture f) {
            finish(false);
        }

        private void finish(boolean withEvents) {
            if (!done.compareAndSet(false, true)) return;
            server.core().sessions().detach(session, this);
            if (timer != null) timer.cancel();
            ex.channel().closeFuture().removeListener(this);
            if (!ex.channel().isActive()) return;
            if (withEvents) {
                answerPoll(ex, session.replay(), after);
            } else {
                ex.noContent();
            }
        }

        @Override
        public String transport() {
            return "poll";
        }

        @Override
        public String remoteAddress() {
            return dev.switchboard.server.transport.PeerAddress.of(ex.channel());
        }
    }

    private static void answerPoll(HttpExchange ex, Outbox outbox, long after) {
        List<Map<String, Object>> events = new ArrayList<>();
        List<AcknowledgedEvent> waitingForWrite = new ArrayList<>();
        long last = after;
        for (Outbox.Event e : outbox.after(after)) {
            events.add(e.message());
            if (e.event() instanceof AcknowledgedEvent a) waitingForWrite.add(a);
            last = e.seq();
        }
        Map<String, Object> body = new LinkedHashMap<>();
        if (outbox.missedAfter(after)) {
            // Events after the cursor were dropped from the full buffer before this poll came.
            Map<String, Object> gap = new LinkedHashMap<>();
            gap.put("after", after);
            gap.put("first_available", outbox.firstAvailable());
            body.put("gap", gap);
        }
        body.put("events", events);
        body.put("last_seq", last);
        ex.json(HttpResponseStatus.OK, body);
        // A long-poll's client has these events once its answer is out (a stream's producer waits for that).
        for (AcknowledgedEvent a : waitingForWrite) a.written();
    }

    private static void refuse(HttpExchange ex, SessionRegistry.Refused r) {
        ex.error(r.code() == ErrorCode.SESSION_NOT_FOUND ? HttpResponseStatus.NOT_FOUND : HttpResponseStatus.SERVICE_UNAVAILABLE,
                r.code().wire(), r.message());
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
