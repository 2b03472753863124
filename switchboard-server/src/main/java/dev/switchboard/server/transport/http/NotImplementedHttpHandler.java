package dev.switchboard.server.transport.http;

import dev.switchboard.server.transport.Closing;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;

/** Until the HTTP API lands: a well-formed {@code 501 Not Implemented}, then the connection ends. */
public final class NotImplementedHttpHandler extends ChannelInboundHandlerAdapter {
    private static final String BODY = "{\"error\":\"not_implemented\",\"detail\":\"HTTP is not served yet\"}\n";
    private static final String RESPONSE = "HTTP/1.1 501 Not Implemented\r\n"
            + "Content-Type: application/json\r\n"
            + "Content-Length: " + BODY.length() + "\r\n"
            + "Connection: close\r\n\r\n" + BODY;

    private boolean answered;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
        if (!answered) {
            answered = true;
            Closing.close(ctx.channel(), Unpooled.copiedBuffer(RESPONSE, StandardCharsets.US_ASCII));
        }
    }
}
