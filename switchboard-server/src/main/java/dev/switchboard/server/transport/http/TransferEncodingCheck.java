package dev.switchboard.server.transport.http;

import dev.switchboard.server.transport.Closing;
import dev.switchboard.server.transport.JsonSupport;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A request whose {@code Transfer-Encoding} is anything but exactly one {@code chunked} has a body
 * of unknown length: the server cannot tell where the next request starts, so it answers 400 and
 * closes the connection (RFC 9112 §6.3) rather than read the body as a request of its own.
 */
final class TransferEncodingCheck extends ChannelInboundHandlerAdapter {
    private boolean rejected;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (rejected) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest request && !acceptable(request.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING))) {
            rejected = true;
            String path = new QueryStringDecoder(request.uri()).rawPath();
            ReferenceCountUtil.release(msg);
            byte[] body = (JsonSupport.writeString(HttpExchange.errorBody(path, "bad_request",
                    "unsupported Transfer-Encoding (only chunked is accepted)")) + "\n").getBytes(StandardCharsets.UTF_8);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST,
                    Unpooled.wrappedBuffer(body));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                    .set("X-Content-Type-Options", "nosniff")
                    .set(HttpHeaderNames.CONNECTION, "close");
            HttpUtil.setContentLength(response, body.length);
            Closing.close(ctx, response); // past keep-alive, which would close before the answer is read
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private static boolean acceptable(List<String> values) {
        return values.isEmpty() || values.size() == 1 && values.get(0).trim().equalsIgnoreCase("chunked");
    }
}
