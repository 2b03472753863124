package dev.switchboard.server.transport.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * HTTP/1.1 answers pipelined requests in the order they came, but a request's answer may come
 * later than the next one's (a lock wait behind a ping). So a connection's requests are handed
 * on one at a time: the next only once the answer to the current one is written (an event
 * stream, which never ends, holds the ones behind it, as HTTP says). Requests that wait are
 * bounded in count ({@code --http-max-pipelined}) and bytes (one largest body); past either, the
 * connection is closed.
 */
final class ResponseOrder extends ChannelDuplexHandler {
    private final int maxWaiting;
    private final long maxWaitingBytes;
    private final Runnable onOverflow;
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
    private long waitingBytes;
    private boolean busy;

    ResponseOrder(int maxWaiting, long maxWaitingBytes, Runnable onOverflow) {
        this.maxWaiting = maxWaiting;
        this.maxWaitingBytes = maxWaitingBytes;
        this.onOverflow = onOverflow;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (!busy) {
            busy = true;
            ctx.fireChannelRead(request);
            return;
        }
        waiting.add(request);
        waitingBytes += request.content().readableBytes();
        if (waiting.size() > maxWaiting || waitingBytes > maxWaitingBytes) {
            onOverflow.run();
            release();
            ctx.close();
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        boolean last = msg instanceof FullHttpResponse || msg instanceof LastHttpContent;
        boolean informational = msg instanceof FullHttpResponse r && r.status().codeClass() == io.netty.handler.codec.http.HttpStatusClass.INFORMATIONAL
                && r.status().code() != 101;
        ctx.write(msg, promise);
        if (last && !informational && busy) {
            // Written in order behind the previous answer: the next request may run now (at once:
            // writes run on the event loop, and the nesting is bounded by maxWaiting).
            next(ctx);
        }
    }

    private void next(ChannelHandlerContext ctx) {
        FullHttpRequest request = waiting.poll();
        if (request == null) {
            busy = false;
            return;
        }
        waitingBytes -= request.content().readableBytes();
        ctx.fireChannelRead(request);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
        ctx.fireChannelInactive();
    }

    private void release() {
        waiting.forEach(ReferenceCountUtil::release);
        waiting.clear();
        waitingBytes = 0;
    }
}
