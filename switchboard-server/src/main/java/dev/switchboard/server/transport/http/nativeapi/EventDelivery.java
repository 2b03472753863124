package dev.switchboard.server.transport.http.nativeapi;

import dev.switchboard.core.session.Outbox;
import dev.switchboard.server.transport.JsonSupport;
import dev.switchboard.server.transport.ServerContext;
import dev.switchboard.server.transport.http.HttpExchange;
import dev.switchboard.server.transport.http.HttpSession;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
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
            NativeHttpApi.error(ex, HttpResponseStatus.BAD_REQUEST, "invalid_argument", "Last-Event-ID must be a sequence number");
            return;
        }
        if (!ex.claimForStream(HttpResponseStatus.OK)) return;
        Channel ch = ex.channel();
        Outbox outbox = session.outbox();
        outbox.acknowledge(lastEventId);
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream")
                .set(HttpHeaderNames.CACHE_CONTROL, "no-cache")
                .set("X-Accel-Buffering", "no")
                .add(ex.extraHeaders());
        HttpUtil.setTransferEncodingChunked(head, true);
        Consumer<Outbox.Event> listener = e -> write(ch, sseEvent(e));
        session.streamOpened();
        ch.eventLoop().execute(() -> {
            ch.write(head);
            StringBuilder first = new StringBuilder("retry: 1000\n\n");
            long firstAvailable = outbox.firstAvailable();
            if (lastEventId + 1 < firstAvailable) first.append(gapEvent(lastEventId, firstAvailable));
            write(ch, first.toString());
            // Taking the backlog and becoming the listener happen at once, so nothing falls between.
            for (Outbox.Event e : outbox.listen(lastEventId, listener)) write(ch, sseEvent(e));
            outbox.onReplaced(listener, ch::close); // a newer reader takes over: this stream ends
            long pingMs = server.config().httpSsePingInterval().toMillis();
            ScheduledFuture<?> ping = ch.eventLoop().scheduleAtFixedRate(() -> write(ch, ": ping\n\n"),
                    pingMs, pingMs, TimeUnit.MILLISECONDS);
            ch.closeFuture().addListener(f -> {
                ping.cancel(false);
                outbox.unlisten(listener);
                session.streamClosed();
            });
        });
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
        ch.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)));
    }

    // ---- long-poll ---------------------------------------------------------------------------------

    void poll(HttpExchange ex, HttpSession session) {
        long after = cursor(null, ex.query("after"));
        long timeoutMs = cursor(null, ex.query("timeout_ms"));
        if (after < 0 || timeoutMs < 0) {
            NativeHttpApi.error(ex, HttpResponseStatus.BAD_REQUEST, "invalid_argument", "after and timeout_ms must be whole numbers");
            return;
        }
        if (ex.query("timeout_ms") == null) timeoutMs = DEFAULT_POLL_MS;
        timeoutMs = Math.min(timeoutMs, MAX_POLL_MS);
        Outbox outbox = session.outbox();
        outbox.acknowledge(after);
        AtomicBoolean done = new AtomicBoolean();
        Consumer<Outbox.Event> listener = new Consumer<>() {
            @Override
            public void accept(Outbox.Event e) {
                if (done.compareAndSet(false, true)) {
                    outbox.unlisten(this);
                    session.streamClosed();
                    answerPoll(ex, outbox, after);
                }
            }
        };
        session.streamOpened();
        List<Outbox.Event> pending = outbox.listen(after, listener);
        if (!pending.isEmpty() || after + 1 < outbox.firstAvailable() || timeoutMs == 0) {
            if (done.compareAndSet(false, true)) {
                outbox.unlisten(listener);
                session.streamClosed();
                if (pending.isEmpty() && after + 1 >= outbox.firstAvailable()) {
                    ex.noContent();
                } else {
                    answerPoll(ex, outbox, after);
                }
            }
            return;
        }
        Runnable giveUp = () -> {
            if (done.compareAndSet(false, true)) {
                outbox.unlisten(listener);
                session.streamClosed();
                if (ex.channel().isActive()) ex.noContent();
            }
        };
        ScheduledFuture<?> timer = ex.channel().eventLoop().schedule(giveUp, timeoutMs, TimeUnit.MILLISECONDS);
        ex.channel().closeFuture().addListener(f -> giveUp.run());
        outbox.onReplaced(listener, () -> {
            timer.cancel(false);
            giveUp.run();
        });
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
        if (after + 1 < firstAvailable) {
            // Events after the cursor were dropped from the full buffer before this poll came.
            body.put("gap", Map.of("after", after, "first_available", firstAvailable));
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
