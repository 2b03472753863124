package dev.switchboard.server.transport.ws;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;

/**
 * Ends a connection whose client broke the WebSocket protocol with the Close code that names the
 * fault, as the frame decoder reports it: 1002 for a protocol error such as a Close frame with a
 * code no endpoint may send (999, 1005, 2999 — RFC 6455 §7.4), 1007 for invalid UTF-8 text, 1009
 * for a frame over the cap. (Netty's own answer is skipped for a Close frame, which the peer
 * would then take for a normal closure.)
 */
final class ProtocolViolations extends ChannelInboundHandlerAdapter {
    private final Runnable onFrameTooLarge;

    ProtocolViolations(Runnable onFrameTooLarge) {
        this.onFrameTooLarge = onFrameTooLarge;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof CorruptedWebSocketFrameException bad) {
            WebSocketCloseStatus status = bad.closeStatus() != null ? bad.closeStatus() : WebSocketCloseStatus.PROTOCOL_ERROR;
            String reason = status.code() == 1009 ? "frame_too_large" : status.reasonText();
            if (status.code() == 1009) onFrameTooLarge.run();
            if (ctx.channel().isActive()) {
                ctx.writeAndFlush(new CloseWebSocketFrame(new WebSocketCloseStatus(status.code(), reason)))
                        .addListener(ChannelFutureListener.CLOSE);
            }
            return;
        }
        ctx.fireExceptionCaught(cause);
    }
}
