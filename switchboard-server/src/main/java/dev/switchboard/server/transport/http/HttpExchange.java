package dev.switchboard.server.transport.http;

import dev.switchboard.server.transport.JsonSupport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One HTTP request and its single response. Handlers read the request and path parameters and
 * answer once, from any thread; the response goes out on the connection's event loop with the
 * headers the front added (CORS) and keep-alive handled.
 */
public final class HttpExchange {
    private final Channel channel;
    private final FullHttpRequest request;
    private final QueryStringDecoder uri;
    private final boolean keepAlive;
    private final HttpHeaders extraHeaders = new DefaultHttpHeaders();
    private final AtomicBoolean answered = new AtomicBoolean();
    private final long startNanos = System.nanoTime();
    private Map<String, String> params = Map.of();
    private String routePattern = "unmatched";
    private Consumer<HttpResponseStatus> onAnswer = s -> { };

    HttpExchange(Channel channel, FullHttpRequest request) {
        this.channel = channel;
        this.request = request;
        this.uri = new QueryStringDecoder(request.uri());
        this.keepAlive = HttpUtil.isKeepAlive(request);
    }

    public Channel channel() {
        return channel;
    }

    public HttpMethod method() {
        return request.method();
    }

    public String path() {
        return uri.rawPath();
    }

    public String header(CharSequence name) {
        return request.headers().get(name);
    }

    public String query(String name) {
        List<String> values = uri.parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    public String param(String name) {
        return params.get(name);
    }

    /** The body bytes (a copy), at most the configured body cap. */
    public byte[] body() {
        ByteBuf content = request.content();
        byte[] bytes = new byte[content.readableBytes()];
        content.getBytes(content.readerIndex(), bytes);
        return bytes;
    }

    public InetAddress remoteIp() {
        return channel.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
    }

    public String routePattern() {
        return routePattern;
    }

    public long startNanos() {
        return startNanos;
    }

    /** Headers added to whatever response this exchange gets. */
    public HttpHeaders extraHeaders() {
        return extraHeaders;
    }

    void route(String pattern, Map<String, String> params) {
        this.routePattern = pattern;
        this.params = params;
    }

    void onAnswer(Consumer<HttpResponseStatus> listener) {
        this.onAnswer = listener;
    }

    public boolean answered() {
        return answered.get();
    }

    private volatile Runnable undoIfUnwritten;

    /** What to undo (a grant) if the response cannot be written: the client never sees it. */
    public void undoIfUnwritten(Runnable undo) {
        this.undoIfUnwritten = undo;
    }

    /** Compact JSON followed by a newline, as dflockd writes it. */
    public void json(HttpResponseStatus status, Map<String, ?> body) {
        byte[] json = JsonSupport.write(body);
        ByteBuf buf = Unpooled.buffer(json.length + 1).writeBytes(json).writeByte('\n');
        send(status, buf, "application/json", Map.of("X-Content-Type-Options", "nosniff"));
    }

    /**
     * An error in the shape of the API the path belongs to: the native {@code {"code","message"}}
     * under {@code /api/}, dflockd's {@code {"error","detail"}} (detail left out when empty) elsewhere.
     */
    public void error(HttpResponseStatus status, String code, String detail) {
        json(status, errorBody(path(), code, detail));
    }

    static Map<String, Object> errorBody(String path, String code, String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (path.startsWith("/api/")) {
            body.put("code", code);
            body.put("message", detail == null || detail.isEmpty() ? code.replace('_', ' ') : detail);
        } else {
            body.put("error", code);
            if (detail != null && !detail.isEmpty()) body.put("detail", detail);
        }
        return body;
    }

    public void noContent() {
        send(HttpResponseStatus.NO_CONTENT, Unpooled.EMPTY_BUFFER, null, Map.of());
    }

    public void text(HttpResponseStatus status, String body, String contentType, Map<String, String> headers) {
        send(status, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8), contentType, headers);
    }

    public void send(HttpResponseStatus status, ByteBuf body, String contentType, Map<String, String> headers) {
        if (!answered.compareAndSet(false, true)) {
            body.release();
            throw new IllegalStateException("second response to " + request.method() + " " + request.uri());
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        HttpHeaders h = response.headers();
        if (contentType != null) h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
        headers.forEach(h::set);
        h.add(extraHeaders);
        HttpUtil.setContentLength(response, body.readableBytes());
        boolean close = !keepAlive;
        if (close) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        onAnswer.accept(status);
        ChannelFuture f = channel.writeAndFlush(response);
        Runnable undo = undoIfUnwritten;
        if (undo != null) f.addListener(written -> {
            if (!written.isSuccess()) undo.run();
        });
        if (close) f.addListener(ChannelFutureListener.CLOSE);
    }

    /** Claims the response for a stream (SSE); the caller writes the head and the chunks itself. */
    public boolean claimForStream(HttpResponseStatus status) {
        if (!answered.compareAndSet(false, true)) return false;
        onAnswer.accept(status);
        return true;
    }
}
