package dev.switchboard.server.transport.http;

import dev.switchboard.core.time.NodeClock;
import dev.switchboard.server.transport.LoopDeadline;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** What every Server-Sent Events stream shares: its response head, its text chunks, its keep-alive comment. */
public final class EventStreams {
    private EventStreams() {
    }

    /** A chunked {@code text/event-stream} head, uncached and unbuffered by proxies, with the exchange's extra headers. */
    public static HttpResponse head(HttpExchange ex) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream")
                .set(HttpHeaderNames.CACHE_CONTROL, "no-cache")
                .set(HttpHeaderNames.CONNECTION, "keep-alive")
                .set("X-Accel-Buffering", "no")
                .add(ex.extraHeaders());
        HttpUtil.setTransferEncodingChunked(head, true);
        return head;
    }

    /**
     * Sends one piece of the stream. A reader that does not keep up is not buffered for without
     * bound: the connection's {@link SlowReaderGuard} closes the stream once it owes the reader
     * more than {@code --http-max-pending-bytes} or stays backed up past {@code --write-timeout}.
     */
    public static void write(Channel ch, String text) {
        ch.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)));
    }

    /** Sends a comment every {@code interval} (so proxies keep a quiet stream open) until the stream closes. */
    public static void keepAlive(Channel ch, Duration interval, NodeClock clock) {
        var ping = LoopDeadline.every(clock, ch.eventLoop(), interval.toMillis(), TimeUnit.MILLISECONDS,
                () -> write(ch, ": ping\n\n"));
        ch.closeFuture().addListener(f -> ping.cancel());
    }
}
