package dev.switchboard.server.transport.ws;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;

/**
 * Joins a fragmented message (a text or binary frame and its continuation frames) into one
 * frame before it is parsed. The whole message is bound by the frame cap: over it, the
 * connection ends with close code 1009, as a single oversized frame does.
 */
final class Reassembly extends WebSocketFrameAggregator {
    private final Runnable onOversized;

    Reassembly(int maxBytes, Runnable onOversized) {
        super(maxBytes);
        this.onOversized = onOversized;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, WebSocketFrame oversized) {
        onOversized.run();
        ctx.writeAndFlush(new CloseWebSocketFrame(new WebSocketCloseStatus(1009, "frame_too_large")))
                .addListener(ChannelFutureListener.CLOSE);
    }
}
