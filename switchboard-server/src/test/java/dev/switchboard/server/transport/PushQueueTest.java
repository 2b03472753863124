package dev.switchboard.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.pubsub.Signal;
import dev.switchboard.protocol.Payload;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Pushed events go out in batches (one write of many events) in the exact bytes the JSON encoders
 * would write, and the bound on events not yet written still holds.
 */
class PushQueueTest {
    private static final Signal SIGNAL = new Signal("orders.eu", Payload.ofUtf8("created \"42\" ✓"));

    private static String json(long seq) {
        Map<String, Object> m = SIGNAL.message(seq);
        return JsonSupport.writeString(m);
    }

    @Test
    void aBurstOfEventsIsOneWriteInOrder() {
        EmbeddedChannel ch = new EmbeddedChannel();
        PushQueue q = new PushQueue(ch, 64, () -> { });
        for (long seq = 1; seq <= 3; seq++) assertThat(q.offer(SignalWire.nativeEvent(SIGNAL, seq, SignalWire.Framing.LINES))).isTrue();
        assertThat(q.offer(SignalWire.dflockdLine(SIGNAL))).isTrue();
        ch.runPendingTasks();

        ByteBuf written = ch.readOutbound();
        assertThat(written.toString(StandardCharsets.UTF_8)).isEqualTo(
                json(1) + "\n" + json(2) + "\n" + json(3) + "\n" + "sig orders.eu created \"42\" ✓\n");
        assertThat((Object) ch.readOutbound()).as("one write for the whole burst").isNull();
        written.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void aTopicMessageIsWrittenAsTheJsonEncoderWouldWriteIt() {
        Signal kept = new Signal("orders.eu", Payload.ofUtf8("created"), new dev.switchboard.core.pubsub.StreamPosition(7, "00ff00ff00ff00ff"));
        for (Signal s : new Signal[] {SIGNAL, kept, new Signal("b", Payload.binary(new byte[] {0, 1}))}) {
            EmbeddedChannel ch = new EmbeddedChannel();
            PushQueue q = new PushQueue(ch, 64, () -> { });
            q.offer(SignalWire.nativeMessage(s, 12, SignalWire.Framing.LINES));
            ch.runPendingTasks();
            ByteBuf out = ch.readOutbound();
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(JsonSupport.writeString(s.asMessage().message(12)) + "\n");
            out.release();
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void eachFramingWritesWhatTheCodecsWould() {
        EmbeddedChannel ch = new EmbeddedChannel();
        PushQueue q = new PushQueue(ch, 64, () -> { });
        q.offer(SignalWire.nativeEvent(SIGNAL, 0, SignalWire.Framing.LENGTH_PREFIXED)); // no seq: a session that keeps none
        q.offer(SignalWire.nativeEvent(SIGNAL, 1234567, SignalWire.Framing.WEBSOCKET));
        ch.runPendingTasks();

        ByteBuf out = ch.readOutbound();
        byte[] plain = json(0).getBytes(StandardCharsets.UTF_8);
        assertThat(json(0)).doesNotContain("\"seq\"");
        assertThat(out.readInt()).isEqualTo(plain.length);
        assertThat(out.readCharSequence(plain.length, StandardCharsets.UTF_8).toString()).isEqualTo(json(0));
        byte[] framed = json(1234567).getBytes(StandardCharsets.UTF_8);
        assertThat(out.readUnsignedByte()).isEqualTo((short) 0x81);
        assertThat(out.readUnsignedByte()).isEqualTo((short) framed.length); // under 126: a one-byte length, no mask
        assertThat(out.readCharSequence(framed.length, StandardCharsets.UTF_8).toString()).isEqualTo(json(1234567));
        assertThat(out.isReadable()).isFalse();
        out.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void pastTheBoundUntilWrittenTheQueueRefuses() {
        EmbeddedChannel ch = new EmbeddedChannel();
        java.util.concurrent.atomic.AtomicInteger hits = new java.util.concurrent.atomic.AtomicInteger();
        PushQueue q = new PushQueue(ch, 2, hits::incrementAndGet);
        assertThat(q.offer(SignalWire.dflockdLine(SIGNAL))).isTrue();
        assertThat(q.offer(SignalWire.dflockdLine(SIGNAL))).isTrue();
        assertThat(q.offer(SignalWire.dflockdLine(SIGNAL))).as("two not yet written").isFalse();
        assertThat(hits).as("the refusal is counted as a limit hit").hasValue(1);
        ch.runPendingTasks(); // written (and flushed): room again
        assertThat(q.offer(SignalWire.dflockdLine(SIGNAL))).isTrue();
        ch.close();
        assertThat(q.offer(SignalWire.dflockdLine(SIGNAL))).as("the channel is gone").isFalse();
        assertThat(hits).as("a closed channel is not a full queue").hasValue(1);
        ch.finishAndReleaseAll();
    }

    @Test
    void anEventThatWaitsForItsWriteIsToldOnceWrittenInItsPlace() {
        EmbeddedChannel ch = new EmbeddedChannel();
        PushQueue q = new PushQueue(ch, 64, () -> { });
        java.util.concurrent.atomic.AtomicInteger written = new java.util.concurrent.atomic.AtomicInteger();
        dev.switchboard.core.session.AcknowledgedEvent chunk = new dev.switchboard.core.session.AcknowledgedEvent() {
            @Override
            public String op() {
                return "rpc.chunk";
            }

            @Override
            public Map<String, Object> message(long seq) {
                return Map.of("op", "rpc.chunk", "seq", seq);
            }

            @Override
            public long sizeEstimate() {
                return 32;
            }

            @Override
            public void written() {
                written.incrementAndGet();
            }
        };
        q.offer(SignalWire.nativeEvent(SIGNAL, 1, SignalWire.Framing.LINES));
        assertThat(q.offerEvent(SignalWire.nativeEvent(SIGNAL, 2, SignalWire.Framing.LINES), chunk))
                .isEqualTo(dev.switchboard.core.session.SessionConnection.Delivery.ACCEPTED);
        q.offer(SignalWire.nativeEvent(SIGNAL, 3, SignalWire.Framing.LINES));
        assertThat(written.get()).as("not before its write").isZero();
        ch.runPendingTasks();

        StringBuilder out = new StringBuilder();
        for (ByteBuf b; (b = ch.readOutbound()) != null; b.release()) out.append(b.toString(StandardCharsets.UTF_8));
        assertThat(out.toString()).as("in its place among the others").isEqualTo(json(1) + "\n" + json(2) + "\n" + json(3) + "\n");
        assertThat(written.get()).isEqualTo(1);
        ch.finishAndReleaseAll();
    }
    @Test
    void messagesTheClientHasReadLeaveTheBoundEvenWhileTheirWriteListenersRunLate() {
        // The client reads each write at once, but the server's listener of that write has not run
        // yet (its event loop was preempted after the socket write, as under heavy load).
        java.util.List<io.netty.channel.ChannelPromise> notYetCompleted = new java.util.ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise promise) {
                notYetCompleted.add(promise);
                ctx.write(msg);
            }
        });
        java.util.concurrent.atomic.AtomicInteger hits = new java.util.concurrent.atomic.AtomicInteger();
        PushQueue q = new PushQueue(ch, ch, 64, hits::incrementAndGet);
        long seq = 0;
        for (int window = 0; window < 3; window++) {
            // A publisher that keeps 48 messages in flight: the next 48 once the client has the last 48.
            for (int i = 0; i < 48; i++) {
                assertThat(q.offer(SignalWire.nativeEvent(SIGNAL, ++seq, SignalWire.Framing.LINES)))
                        .as("message %d, with 48 unread at most", seq).isTrue();
            }
            ch.runPendingTasks();
            assertThat(readAll(ch)).as("the client has read them").hasLineCount(48);
        }
        assertThat(hits).as("no limit hit for a client that reads everything").hasValue(0);
        assertThat(notYetCompleted).as("the listeners still have not run").isNotEmpty();
        notYetCompleted.forEach(io.netty.channel.ChannelPromise::setSuccess);
        ch.finishAndReleaseAll();
    }

    @Test
    void behindAClientThatDoesNotReadMessagesWaitAndThenTheQueueRefuses() {
        // Nothing reaches the socket until the client reads: Netty's buffer fills past its high-water mark.
        java.util.concurrent.atomic.AtomicBoolean reading = new java.util.concurrent.atomic.AtomicBoolean();
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) {
                if (reading.get()) ctx.flush();
            }
        });
        ch.config().setWriteBufferWaterMark(new io.netty.channel.WriteBufferWaterMark(64, 128));
        java.util.concurrent.atomic.AtomicInteger hits = new java.util.concurrent.atomic.AtomicInteger();
        PushQueue q = new PushQueue(ch, ch, 4, hits::incrementAndGet);
        long seq = 0;
        for (int i = 0; i < 4; i++) assertThat(q.offer(SignalWire.nativeEvent(SIGNAL, ++seq, SignalWire.Framing.LINES))).isTrue();
        ch.runPendingTasks();
        assertThat(ch.isWritable()).as("the first run fills Netty's buffer").isFalse();
        for (int i = 0; i < 4; i++) assertThat(q.offer(SignalWire.nativeEvent(SIGNAL, ++seq, SignalWire.Framing.LINES))).isTrue();
        ch.runPendingTasks();
        assertThat(q.offer(SignalWire.nativeEvent(SIGNAL, 99, SignalWire.Framing.LINES)))
                .as("4 messages wait behind the unwritable channel: the fifth is refused").isFalse();
        assertThat(hits).hasValue(1);

        reading.set(true);
        ch.flush(); // the client reads: the buffer empties, and the waiting messages follow in order
        ch.runPendingTasks();
        StringBuilder expected = new StringBuilder();
        for (long s = 1; s <= 8; s++) expected.append(json(s)).append('\n');
        assertThat(readAll(ch)).isEqualTo(expected.toString());
        assertThat(q.offer(SignalWire.nativeEvent(SIGNAL, 9, SignalWire.Framing.LINES))).as("room again").isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void messagesWaitingWhenTheChannelClosesAreReleased() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) {
                // the client never reads
            }
        });
        ch.config().setWriteBufferWaterMark(new io.netty.channel.WriteBufferWaterMark(1, 2));
        PushQueue q = new PushQueue(ch, ch, 8, () -> { });
        assertThat(q.offer(SignalWire.dflockdLine(SIGNAL))).isTrue();
        ch.runPendingTasks();
        io.netty.buffer.ByteBuf waiting = io.netty.buffer.Unpooled.copiedBuffer("held\n", StandardCharsets.UTF_8);
        assertThat(q.offer(waiting)).isTrue();
        ch.runPendingTasks();
        assertThat(waiting.refCnt()).as("still waiting behind the unwritable channel").isEqualTo(1);
        ch.close();
        ch.runPendingTasks();
        assertThat(waiting.refCnt()).as("released once the channel is gone").isZero();
        ch.finishAndReleaseAll();
    }

    private static String readAll(EmbeddedChannel ch) {
        StringBuilder out = new StringBuilder();
        for (ByteBuf b; (b = ch.readOutbound()) != null; b.release()) out.append(b.toString(StandardCharsets.UTF_8));
        return out.toString();
    }
}
