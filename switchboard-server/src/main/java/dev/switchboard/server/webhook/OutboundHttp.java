package dev.switchboard.server.webhook;

import dev.switchboard.server.transport.IoTransport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;

/**
 * The server's HTTP client, for webhooks and response hooks: one POST of a JSON body per
 * connection ({@code Connection: close}), on the node's event loops, with a deadline covering
 * connect, request and response, a cap on the response's size, no redirects, and a bound on the
 * requests under way at once. Host names resolve on a small thread of their own, since the JDK's
 * resolver blocks and an event loop must not.
 */
public final class OutboundHttp implements AutoCloseable {
    /**
     * @param connectTimeout   for the TCP (and TLS) connection, within the request's own deadline
     * @param maxInFlight      requests under way at once; past it a request fails at once
     * @param maxResponseBytes the longest response body taken; a longer one fails the request
     */
    public record Settings(Duration connectTimeout, int maxInFlight, int maxResponseBytes) {
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(5), 1024, 1 << 20);
        }
    }

    /** A whole response: its status, body and content type (null when none). */
    public record Response(int status, byte[] body, String contentType) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    private static final int MAX_PENDING_RESOLUTIONS = 256;

    private final EventLoopGroup group;
    /** The transport of {@code group}: its channels are the only ones that can register there. */
    private final IoTransport io;
    private final Settings settings;
    private final Runnable onRefused;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ThreadPoolExecutor resolver;
    private volatile SslContext tls;

    /** @param onRefused counts a request refused because {@code maxInFlight} were under way */
    public OutboundHttp(EventLoopGroup group, IoTransport io, Settings settings, Runnable onRefused) {
        this.group = group;
        this.io = io;
        this.settings = settings;
        this.onRefused = onRefused;
        this.resolver = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(MAX_PENDING_RESOLUTIONS),
                r -> {
                    Thread t = new Thread(r, "switchboard-http-resolver");
                    t.setDaemon(true);
                    return t;
                });
        this.resolver.allowCoreThreadTimeOut(true);
    }

    /** Requests under way now. */
    public int inFlight() {
        return inFlight.get();
    }

    /**
     * POSTs {@code json} to {@code url}. Completes with the response whatever its status, or fails
     * with an {@link OutboundHttpException} saying why there is none.
     */
    public CompletableFuture<Response> postJson(URI url, byte[] json, Duration timeout) {
        CompletableFuture<Response> result = new CompletableFuture<>();
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
            result.completeExceptionally(new OutboundHttpException(OutboundHttpException.Kind.BAD_URL,
                    "not an absolute http(s) URL with a host: " + url));
            return result;
        }
        if (inFlight.incrementAndGet() > settings.maxInFlight()) {
            inFlight.decrementAndGet();
            onRefused.run();
            result.completeExceptionally(new OutboundHttpException(OutboundHttpException.Kind.TOO_MANY_IN_FLIGHT,
                    settings.maxInFlight() + " outbound HTTP requests are under way already"));
            return result;
        }
        result.whenComplete((r, e) -> inFlight.decrementAndGet());
        boolean https = scheme.equals("https");
        int port = url.getPort() > 0 ? url.getPort() : https ? 443 : 80;
        long deadlineNanos = System.nanoTime() + timeout.toNanos();
        io.netty.util.concurrent.ScheduledFuture<?> deadline = group.next().schedule(() -> result.completeExceptionally(
                new OutboundHttpException(OutboundHttpException.Kind.TIMEOUT,
                        "no response from " + url + " within " + timeout.toMillis() + " ms")),
                timeout.toNanos(), TimeUnit.NANOSECONDS);
        result.whenComplete((r, e) -> deadline.cancel(false));
        try {
            resolver.execute(() -> {
                try {
                    InetAddress address = InetAddress.getByName(url.getHost());
                    connect(url, new InetSocketAddress(address, port), https, json, deadlineNanos, result);
                } catch (UnknownHostException e) {
                    result.completeExceptionally(new OutboundHttpException(OutboundHttpException.Kind.CONNECT_FAILED,
                            "unknown host " + url.getHost()));
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new OutboundHttpException(OutboundHttpException.Kind.TOO_MANY_IN_FLIGHT,
                    "too many host names waiting to be resolved"));
        }
        return result;
    }

    private void connect(URI url, InetSocketAddress address, boolean https, byte[] json, long deadlineNanos,
                         CompletableFuture<Response> result) {
        if (result.isDone()) {
            return;
        }
        long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
        SslContext ssl;
        try {
            ssl = https ? tls() : null;
        } catch (SSLException e) {
            result.completeExceptionally(new OutboundHttpException(OutboundHttpException.Kind.CONNECT_FAILED,
                    "TLS is not available: " + e.getMessage()));
            return;
        }
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(io.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(left, settings.connectTimeout().toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (ssl != null) {
                            ch.pipeline().addLast(ssl.newHandler(ch.alloc(), url.getHost(), address.getPort()));
                        }
                        ch.pipeline().addLast(new HttpClientCodec())
                                .addLast(new HttpObjectAggregator(settings.maxResponseBytes()))
                                .addLast(new ResponseHandler(url, result));
                    }
                });
        b.connect(address).addListener(f -> {
            Channel ch = ((io.netty.channel.ChannelFuture) f).channel();
            if (!f.isSuccess()) {
                result.completeExceptionally(new OutboundHttpException(OutboundHttpException.Kind.CONNECT_FAILED,
                        "could not connect to " + url.getHost() + ":" + address.getPort() + ": " + f.cause().getMessage()));
                return;
            }
            // Whatever ends the request (its deadline, say) ends the connection.
            result.whenComplete((r, e) -> ch.close());
            ch.writeAndFlush(request(url, json));
        });
    }

    private static FullHttpRequest request(URI url, byte[] json) {
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        if (url.getRawQuery() != null) {
            path += "?" + url.getRawQuery();
        }
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path, Unpooled.wrappedBuffer(json));
        req.headers().set(HttpHeaderNames.HOST, url.getPort() > 0 ? url.getHost() + ":" + url.getPort() : url.getHost());
        req.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        req.headers().set(HttpHeaderNames.CONTENT_LENGTH, json.length);
        req.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        req.headers().set(HttpHeaderNames.USER_AGENT, "switchboard");
        return req;
    }

    private SslContext tls() throws SSLException {
        SslContext t = tls;
        if (t == null) {
            t = SslContextBuilder.forClient().build();
            tls = t;
        }
        return t;
    }

    @Override
    public void close() {
        resolver.shutdownNow();
    }

    /** Completes the request with the one response the connection brings, or with why there is none. */
    private static final class ResponseHandler extends SimpleChannelInboundHandler<FullHttpResponse> {
        private final URI url;
        private final CompletableFuture<Response> result;

        ResponseHandler(URI url, CompletableFuture<Response> result) {
            this.url = url;
            this.result = result;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse msg) {
            if (msg.decoderResult().isFailure()) {
                fail("an unreadable response from " + url + ": " + msg.decoderResult().cause().getMessage());
                return;
            }
            byte[] body = new byte[msg.content().readableBytes()];
            msg.content().readBytes(body);
            result.complete(new Response(msg.status().code(), body, msg.headers().get(HttpHeaderNames.CONTENT_TYPE)));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof TooLongFrameException) {
                fail("the response from " + url + " is longer than the limit");
            } else {
                result.completeExceptionally(new OutboundHttpException(OutboundHttpException.Kind.CONNECT_FAILED,
                        "the connection to " + url.getHost() + " failed: " + cause.getMessage()));
            }
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            fail("the connection to " + url.getHost() + " closed before a whole response");
        }

        private void fail(String message) {
            result.completeExceptionally(new OutboundHttpException(OutboundHttpException.Kind.BAD_RESPONSE, message));
        }
    }
}
