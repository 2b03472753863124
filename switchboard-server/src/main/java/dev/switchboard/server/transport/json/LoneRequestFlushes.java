package dev.switchboard.server.transport.json;

import dev.switchboard.protocol.json.LineFeeds;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.flush.FlushConsolidationHandler;

/**
 * Netty's flush consolidation for native lines, except that the answer to a lone request is not
 * held back.
 *
 * <p>Consolidation defers every flush made while a read is handled to that read's end, so that
 * pipelined requests get their answers in one write system call. A read that holds a single
 * request — every call of a client that waits for each answer — gains nothing from it, and its
 * answer waited for the rest of the read's handling: 2 of the server's 11 µs per request from
 * wake-up to send at one worker, measured with system-call timestamps (docs/benchmarks.md). So a
 * read holding at most one whole message (when no read before it in the same batch held more) is
 * passed on as if no read were in progress, and a flush it causes is done at once; reads holding
 * several messages are consolidated as before.
 */
final class LoneRequestFlushes extends FlushConsolidationHandler {
    LoneRequestFlushes(int explicitFlushAfterFlushes) {
        super(explicitFlushAfterFlushes, false);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof ByteBuf bytes && atMostOneLine(bytes)) {
            ctx.fireChannelRead(msg);
            return;
        }
        super.channelRead(ctx, msg);
    }

    /** One whole line or less: nothing else can be answered before the read ends. */
    private static boolean atMostOneLine(ByteBuf bytes) {
        // LineFeeds, not ByteBuf.indexOf: compiled code that stays valid whatever the requests' length.
        int first = LineFeeds.indexOf(bytes, bytes.readerIndex(), bytes.writerIndex());
        return first < 0 || LineFeeds.indexOf(bytes, first + 1, bytes.writerIndex()) < 0;
    }
}
