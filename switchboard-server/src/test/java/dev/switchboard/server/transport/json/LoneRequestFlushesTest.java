package dev.switchboard.server.transport.json;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.protocol.json.Framing;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When answers are flushed: at once for a lone request, once at the read's end for pipelined ones. */
class LoneRequestFlushesTest {
    /** Sits next to the socket: sees the flushes that reach it and the ends of reads, in order. */
    private static final class Recorder extends ChannelDuplexHandler {
        final List<String> seen = new ArrayList<>();

        @Override
        public void flush(ChannelHandlerContext ctx) {
            seen.add("flush");
            ctx.flush();
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            seen.add("read-end");
            ctx.fireChannelReadComplete();
        }
    }

    /** Answers every message at once, as a lock request answered from memory is. */
    private static final class Echo extends SimpleChannelInboundHandler<ByteBuf> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
            ctx.writeAndFlush(msg.retain());
        }
    }

    private static List<String> flushesFor(byte[]... reads) {
        Recorder recorder = new Recorder();
        EmbeddedChannel ch = new EmbeddedChannel(recorder, new LoneRequestFlushes(64), Framing.LINES.newFramer(1024), new Echo());
        for (byte[] read : reads) {
            ch.writeInbound(Unpooled.wrappedBuffer(read)); // one read, then the read's end
        }
        ch.finishAndReleaseAll();
        return recorder.seen;
    }

    private static byte[] lines(int n) {
        return "{\"op\":\"ping\"}\n".repeat(n).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theAnswerToALoneRequestIsFlushedBeforeTheReadEnds() {
        assertThat(flushesFor(lines(1), lines(1))).containsExactly("flush", "read-end", "flush", "read-end");
    }

    @Test
    void answersToPipelinedRequestsGoOutInOneFlushAtTheReadsEnd() {
        assertThat(flushesFor(lines(5))).containsExactly("read-end", "flush");
    }

    @Test
    void aRequestCutAcrossReadsIsStillOneRequest() {
        byte[] whole = lines(1);
        byte[] head = java.util.Arrays.copyOfRange(whole, 0, 5);
        byte[] tail = java.util.Arrays.copyOfRange(whole, 5, whole.length);
        assertThat(flushesFor(head, tail)).containsExactly("read-end", "flush", "read-end");
    }
}
