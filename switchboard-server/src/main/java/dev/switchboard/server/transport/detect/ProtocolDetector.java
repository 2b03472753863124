package dev.switchboard.server.transport.detect;

import dev.switchboard.server.transport.Closing;
import dev.switchboard.server.transport.LoopDeadline;
import dev.switchboard.server.metrics.NodeMetrics;
import dev.switchboard.server.transport.ServerContext;
import dev.switchboard.server.transport.tls.PlainTextRefusal;
import dev.switchboard.server.transport.handshake.PreSession;
import dev.switchboard.server.transport.tls.TlsContexts;
import dev.switchboard.server.transport.tls.TlsHandshakeWatcher;
import dev.switchboard.server.transport.dflockd.DflockdPipeline;
import dev.switchboard.server.transport.http.HttpPipeline;
import dev.switchboard.server.transport.http.HttpServices;
import dev.switchboard.server.transport.json.NativePipeline;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses a connection's protocol from its first bytes, installs that protocol's handlers and
 * steps aside; the bytes read so far go on to the new handlers. With TLS configured, only a TLS
 * handshake is accepted, and detection runs again on the decrypted stream.
 */
public final class ProtocolDetector extends ByteToMessageDecoder {
    private static final Logger log = LoggerFactory.getLogger(ProtocolDetector.class);
    private static final String[] HTTP_METHODS = {
        "GET ", "POST ", "PUT ", "DELETE ", "HEAD ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE "
    };

    private final ServerContext server;
    private final HttpServices http;
    private final NodeMetrics metrics;
    private final boolean insideTls;
    private LoopDeadline deadline;

    public ProtocolDetector(ServerContext server, HttpServices http, NodeMetrics metrics, boolean insideTls) {
        this.server = server;
        this.http = http;
        this.metrics = metrics;
        this.insideTls = insideTls;
    }

    /**
     * A silent client is closed at the detection deadline; when dflockd's read deadline is on and
     * comes first, it gets dflockd's answer to an idle connection ({@code error}) instead.
     */
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        PreSession.count(ctx.channel(), server.core().preSessionConnections()); // in stats.connections, as in dflockd
        long detectMs = server.config().detectTimeout().toMillis();
        long readMs = server.config().readTimeout().toMillis();
        boolean dflockdDeadline = readMs > 0 && readMs < detectMs;
        deadline = LoopDeadline.after(server.core().clock(), ctx.executor(),
                dflockdDeadline ? readMs : detectMs, TimeUnit.MILLISECONDS, () -> {
            log.debug("{}: nothing sent within the {} deadline, closing", dev.switchboard.server.transport.PeerAddress.of(ctx.channel()),
                    dflockdDeadline ? "read" : "detection");
            if (dflockdDeadline) {
                Closing.close(ctx.channel(), Unpooled.copiedBuffer("error\n", StandardCharsets.US_ASCII));
            } else {
                ctx.close();
            }
        });
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (deadline != null) deadline.cancel();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (!in.isReadable()) return;
        ChannelPipeline p = ctx.pipeline();
        byte first = in.getByte(in.readerIndex());
        if (server.sslContext() != null && !insideTls) {
            p.addAfter(ctx.name(), "tls-plain", new PlainTextRefusal(http.tlsFailures()));
            p.addAfter("tls-plain", "tls", TlsContexts.handler(server.sslContext(), ctx.alloc()));
            p.addAfter("tls", "tls-watch", new TlsHandshakeWatcher(http.tlsFailures()));
            p.addAfter("tls-watch", "detect-tls", new ProtocolDetector(server, http, metrics, true));
            p.remove(this); // the bytes read so far go on to the plain-text check
            return;
        }
        String transport;
        if (first == '{') {
            transport = "json";
            NativePipeline.installLines(p, ctx.name(), server);
        } else if (first == 0) {
            transport = "json-frames";
            NativePipeline.installFrames(p, ctx.name(), server);
        } else if (first >= 'A' && first <= 'Z') {
            HttpGuess guess = guessHttp(in);
            if (guess == HttpGuess.UNDECIDED) return;
            if (guess == HttpGuess.HTTP) {
                transport = "http";
                HttpPipeline.install(p, ctx.name(), server, http);
            } else {
                transport = "dflockd";
                DflockdPipeline.install(p, ctx.name(), server);
            }
        } else {
            transport = "dflockd";
            DflockdPipeline.install(p, ctx.name(), server);
        }
        metrics.connectionOpened(ctx.channel(), transport);
        // A dflockd connection is counted by its session from now on; a plain HTTP connection is not counted.
        if (!transport.startsWith("json")) PreSession.settle(ctx.channel(), server.core().preSessionConnections());
        p.remove(this);
    }

    /** Whether the first bytes are an HTTP request line; UNDECIDED until enough of them have come. */
    public enum HttpGuess { HTTP, NOT_HTTP, UNDECIDED }

    public static HttpGuess guessHttp(ByteBuf in) {
        int n = Math.min(in.readableBytes(), 8);
        String head = in.toString(in.readerIndex(), n, StandardCharsets.US_ASCII);
        boolean couldBe = false;
        for (String m : HTTP_METHODS) {
            if (head.startsWith(m)) return HttpGuess.HTTP;
            if (m.startsWith(head)) couldBe = true;
        }
        return couldBe ? HttpGuess.UNDECIDED : HttpGuess.NOT_HTTP;
    }
}
