package dev.switchboard.client;

import dev.switchboard.protocol.Ops;
import dev.switchboard.protocol.json.JsonMessageDecoder;
import dev.switchboard.protocol.json.MalformedMessage;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * The connection's only inbound handler: cuts what is read into messages ({@link LineSplitter}),
 * reads each one ({@link ServerMessageDecoder}) and routes it: answers to {@link Connection},
 * heartbeats back to the server. One handler rather than a framer, a decoder and a router in the
 * pipeline: an answer then reaches its caller from the bytes it was read into, without a slice, a
 * decoded-message list and two handler hand-offs per message (see {@link LineSplitter}).
 */
final class ClientHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ClientHandler.class);

    private final Connection connection;
    private final int maxMessageBytes;
    private LineSplitter lines;
    private ChannelHandlerContext ctx;
    // The heartbeat watchdog. Kept here rather than in an IdleStateHandler of its own: a handler
    // more in front of this one was a hand-off more on every read, between an answer's arrival
    // and the next request's write. Reads are counted, not timed (no clock read per message), and
    // a check every quarter of the silence looks whether the count moved; the checks wait on
    // ClientTimers' thread and run on the loop, so all of this is the loop's alone.
    static final int CHECKS_PER_SILENCE = 4;
    private long silenceNanos; // 0: not watched
    private long reads;
    private long readsSeen;
    private long quietSince;
    private ClientTimers.Timed silenceCheck;

    ClientHandler(Connection connection, int maxMessageBytes) {
        this.connection = connection;
        this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        lines = new LineSplitter(maxMessageBytes, ctx.alloc());
    }

    /**
     * From now on, tells the connection when nothing has been read for {@code silenceMs}
     * ({@link Connection#onHeartbeatTimeout}). On the event loop.
     */
    void watchSilence(long silenceMs) {
        silenceNanos = TimeUnit.MILLISECONDS.toNanos(silenceMs);
        readsSeen = reads;
        quietSince = System.nanoTime();
        checkSilenceSoon();
    }

    private long checkNanos() {
        return Math.max(1, silenceNanos / CHECKS_PER_SILENCE);
    }

    private void checkSilenceSoon() {
        try {
            silenceCheck = ClientTimers.onLoop(ctx.executor(), this::checkSilence, checkNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            silenceCheck = null; // the client is closing, and the connection with it
        }
    }

    /** The silence check armed now; null while none is (for tests). */
    ClientTimers.Timed silenceCheck() {
        return silenceCheck;
    }

    /** The connection is gone: its silence check goes with it, not at its time. */
    private void stopWatching() {
        if (silenceCheck != null) {
            silenceCheck.cancel();
            silenceCheck = null;
        }
    }

    /**
     * Noticed between 1 and 1.25 times the silence after the last read. Half a check early counts:
     * four checks of a quarter (rounded down) can fall a little short of the whole silence.
     */
    private void checkSilence() {
        if (!ctx.channel().isOpen()) {
            return;
        }
        long now = System.nanoTime();
        if (reads != readsSeen) {
            readsSeen = reads;
            quietSince = now;
        } else if (now - quietSince >= silenceNanos - checkNanos() / 2) {
            connection.onHeartbeatTimeout();
            return;
        }
        checkSilenceSoon();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stopWatching();
        lines.discard();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reads++;
        if (msg instanceof ByteBuf bytes) {
            lines.split(bytes, this::message);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    /** One line from the server. */
    private void message(ByteBuf buf, int from, int length) {
        if (JsonMessageDecoder.isBlank(buf, from, length)) {
            return;
        }
        route(ServerMessageDecoder.decode(buf, from, length));
    }

    private void route(Object read) {
        if (read instanceof MalformedMessage bad) {
            // One unreadable server message should not fail every other request in flight.
            log.warn("ignoring an unreadable server message: {}", bad.reason());
            return;
        }
        if (read instanceof ServerMessageDecoder.Reply reply) {
            // The common case, read without a tree.
            connection.onAnswer(reply.id(), reply.result());
            return;
        }
        JsonNode msg = (JsonNode) read;
        JsonNode op = msg.get("op");
        String name = op != null && op.isString() ? op.stringValue() : "";
        JsonNode id = msg.get("id");
        switch (name) {
            case Ops.REPLY -> connection.onAnswer(id, Answer.of(msg.path("result")));
            case Ops.WELCOME, Ops.PONG -> connection.onAnswer(id, Answer.of(msg));
            case Ops.ERROR -> {
                connection.onError(id, ServerErrors.toException(msg.path("error")));
            }
            case Ops.PING -> {
                // A server ping has no id and wants a pong with no id; the server closes a
                // connection that stays silent for three heartbeat intervals.
                if (id == null) {
                    connection.send(Messages.bare(Ops.PONG));
                }
            }
            default -> {
                if (id == null && msg.isObject()) {
                    // An event (signal, or a kind this client does not know yet: the client
                    // ignores those but still counts their seq as processed).
                    connection.onEvent(msg);
                } else {
                    log.debug("ignoring server message with op '{}'", name);
                }
            }
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        stopWatching();
        lines.discard();
        connection.onInactive();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A frame over the inbound cap or an I/O error: the stream cannot be trusted any more.
        log.warn("closing the connection to {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
