package dev.switchboard.bench.fanout;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ByteProcessor;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * One subscriber connection: sends the protocol's listen request (after the WebSocket handshake for
 * {@code ws}), counts down {@code subscribed} when the server confirms it, then hands every
 * delivery to the {@link DeliveryTracker}. Reads lines, or WebSocket frames whose text it reads as a
 * line; answers the servers' keep-alive pings.
 */
final class SubscriberHandler extends ChannelInboundHandlerAdapter {
    private final int index;
    private final FanoutProtocol protocol;
    private final String channelName;
    private final String hostHeader;
    private final DeliveryTracker tracker;
    private final CountDownLatch subscribed;
    private final Consumer<String> failure;
    private ByteBuf in;
    private boolean upgraded;
    private boolean listening;
    private volatile boolean stopping;

    SubscriberHandler(int index, FanoutProtocol protocol, String channelName, String hostHeader, DeliveryTracker tracker,
                      CountDownLatch subscribed, Consumer<String> failure) {
        this.index = index;
        this.protocol = protocol;
        this.channelName = channelName;
        this.hostHeader = hostHeader;
        this.tracker = tracker;
        this.subscribed = subscribed;
        this.failure = failure;
    }

    /** The run is over: the connection closing now is not a failure. */
    void stopping() {
        stopping = true;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        in = ctx.alloc().buffer(8192);
        if (protocol.webSocket()) {
            ctx.writeAndFlush(ascii("GET /api/v1/ws HTTP/1.1\r\nHost: " + hostHeader + "\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
        } else {
            ctx.writeAndFlush(ascii(protocol.subscribe(channelName)));
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf b = (ByteBuf) msg;
        try {
            in.writeBytes(b);
        } finally {
            b.release();
        }
        if (protocol.webSocket()) readWebSocket(ctx);
        else readLines(ctx);
        in.discardSomeReadBytes();
    }

    private void readLines(ChannelHandlerContext ctx) {
        while (in.isReadable()) {
            int lf = in.forEachByte(ByteProcessor.FIND_LF);
            if (lf < 0) return;
            int start = in.readerIndex();
            int end = lf > start && in.getByte(lf - 1) == '\r' ? lf - 1 : lf;
            message(ctx, start, end);
            in.readerIndex(lf + 1);
        }
    }

    private void readWebSocket(ChannelHandlerContext ctx) {
        if (!upgraded) {
            int end = indexOf(in, "\r\n\r\n");
            if (end < 0) return;
            String head = in.toString(in.readerIndex(), end - in.readerIndex(), StandardCharsets.US_ASCII);
            in.readerIndex(end + 4);
            if (!head.startsWith("HTTP/1.1 101")) {
                fail(ctx, "the WebSocket upgrade was refused: " + head.lines().findFirst().orElse(""));
                return;
            }
            upgraded = true;
            for (String text : protocol.subscribe(channelName).split("\n")) ctx.write(maskedFrame(0x1, text));
            ctx.flush();
        }
        while (in.readableBytes() >= 2) {
            int at = in.readerIndex();
            int opcode = in.getByte(at) & 0x0f;
            int len = in.getByte(at + 1) & 0x7f;
            int header = 2;
            if (len == 126) {
                if (in.readableBytes() < 4) return;
                len = in.getUnsignedShort(at + 2);
                header = 4;
            } else if (len == 127) {
                if (in.readableBytes() < 10) return;
                len = (int) in.getLong(at + 2);
                header = 10;
            }
            if (in.readableBytes() < header + len) return;
            int start = at + header;
            switch (opcode) {
                case 0x1, 0x2 -> message(ctx, start, start + len);
                case 0x9 -> ctx.writeAndFlush(maskedFrame(0xA, in.toString(start, len, StandardCharsets.UTF_8)));
                case 0x8 -> fail(ctx, "the server closed the WebSocket");
                default -> { } // a pong, or a continuation the server does not send for messages this small
            }
            in.readerIndex(start + len);
        }
    }

    /** One line, or one frame's text, at {@code [start, end)} of {@link #in}. */
    private void message(ChannelHandlerContext ctx, int start, int end) {
        int at = BenchPayload.find(in, start, end);
        if (at >= 0) {
            long seq = BenchPayload.number(in, at + 2, end);
            long sent = BenchPayload.number(in, BenchPayload.afterComma(in, at + 2, end), end);
            tracker.delivered(index, seq, sent);
            return;
        }
        String line = in.toString(start, end - start, StandardCharsets.UTF_8);
        if (!listening && protocol.isSubscribed(line)) {
            listening = true;
            subscribed.countDown();
        } else if (line.equals("PING")) {
            ctx.writeAndFlush(ascii("PONG\r\n")); // nats-server's keep-alive
        } else if (line.startsWith("{\"op\":\"ping\"")) {
            ctx.writeAndFlush(ascii("{\"op\":\"pong\"}\n")); // the native protocol's heartbeat
        } else if (line.startsWith("{\"op\":\"error\"") || line.startsWith("-ERR") || line.startsWith("-") || line.equals("error")) {
            fail(ctx, "subscriber " + index + " got: " + line);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (in != null) {
            in.release();
            in = null;
        }
        if (!stopping) failure.accept("subscriber " + index + " was disconnected");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, "subscriber " + index + ": " + cause);
    }

    private void fail(ChannelHandlerContext ctx, String why) {
        if (!stopping) failure.accept(why);
        ctx.close();
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    /** A client frame: masked, as RFC 6455 requires of a client. */
    private static ByteBuf maskedFrame(int opcode, String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        ByteBuf out = Unpooled.buffer(payload.length + 8);
        out.writeByte(0x80 | opcode);
        if (payload.length < 126) {
            out.writeByte(0x80 | payload.length);
        } else {
            out.writeByte(0x80 | 126).writeShort(payload.length);
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        out.writeBytes(mask);
        for (int i = 0; i < payload.length; i++) out.writeByte(payload[i] ^ mask[i & 3]);
        return out;
    }

    private static int indexOf(ByteBuf buf, String needle) {
        byte[] n = needle.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = buf.readerIndex(); i + n.length <= buf.writerIndex(); i++) {
            for (int j = 0; j < n.length; j++) {
                if (buf.getByte(i + j) != n[j]) continue outer;
            }
            return i;
        }
        return -1;
    }
}
