package dev.switchboard.server.transport.tls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;

/**
 * Sits right behind the TLS handler until the handshake ends. A failed handshake is recorded
 * once ({@link TlsFailures}) and its exception goes no further, so it does not reach the end of
 * the pipeline, where Netty would log it with a stack trace. Once the handshake succeeds the
 * watcher leaves.
 */
public final class TlsHandshakeWatcher extends ChannelInboundHandlerAdapter {
    private final TlsFailures failures;
    private boolean recorded;

    public TlsHandshakeWatcher(TlsFailures failures) {
        this.failures = failures;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                ctx.pipeline().remove(this);
            } else {
                record(ctx, done.cause());
                ctx.close();
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        record(ctx, cause);
        ctx.close();
    }

    private void record(ChannelHandlerContext ctx, Throwable cause) {
        if (recorded) return;
        recorded = true;
        failures.handshakeFailed(ctx.channel().remoteAddress(), cause);
    }
}
