package dev.switchboard.server.transport.dflockd;

import dev.switchboard.protocol.Frame;
import dev.switchboard.core.session.Session;
import dev.switchboard.core.session.SessionSink;
import dev.switchboard.server.transport.Closing;
import dev.switchboard.server.transport.PushQueue;
import dev.switchboard.server.transport.ServerContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One dflockd connection: its session, the auth handshake, and dflockd's rule of one request at a
 * time (the next request is taken only once the answer to the current one is written). Requests
 * that arrive meanwhile wait in a bounded queue, like the bytes in dflockd's socket buffer.
 * Everything here runs on the channel's event loop.
 */
public final class DflockdConnectionHandler extends ChannelInboundHandlerAdapter implements SessionSink {
    private static final Logger log = LoggerFactory.getLogger(DflockdConnectionHandler.class);
    /** dflockd cancels a connection whose pipelined input fills its 4 KiB reader during a blocking call. */
    private static final int MAX_PIPELINED = 256;
    private static final long AUTH_FAILURE_DELAY_MS = 100;

    private final ServerContext server;
    private final ArrayDeque<Object> pending = new ArrayDeque<>();
    private PushQueue pushes;
    private volatile boolean evicted;
    private Channel channel;
    private Session session;
    private boolean authenticated;
    private boolean busy;
    private boolean ending;
    private ScheduledFuture<?> readDeadline;

    public DflockdConnectionHandler(ServerContext server) {
        this.server = server;
        this.authenticated = !server.authRequired();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        pushes = new PushQueue(channel, server.config().signalBufferSize());
        session = server.core().sessions().open("dflockd", String.valueOf(channel.remoteAddress()), this);
        armReadDeadline();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        endSession();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        endSession();
    }

    private void endSession() {
        cancelReadDeadline();
        pending.clear();
        if (session != null) {
            server.core().sessions().close(session, server.config().autoReleaseOnDisconnect());
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (ending) {
            ReferenceCountUtil.release(msg);
            return;
        }
        armReadDeadline();
        pending.add(msg);
        if (pending.size() > MAX_PIPELINED) {
            log.debug("{}: too many pipelined requests, closing", session);
            end(null);
            return;
        }
        processNext();
    }

    private void processNext() {
        if (busy || ending || pending.isEmpty()) {
            return;
        }
        Object msg = pending.poll();
        busy = true;
        cancelReadDeadline();
        if (msg == LineTooLong.INSTANCE) {
            log.debug("{}: line too long (code 12)", session);
            if (authenticated) {
                end("error");
            } else {
                refuseAuth(); // a failed read during the handshake is an auth failure
            }
            return;
        }
        DflockdRequest req = (DflockdRequest) msg;
        if (server.draining()) {
            end("error_draining");
            return;
        }
        if (!authenticated) {
            if (req.command().equals("auth") && server.tokenMatches(DflockdSyntax.trimSpace(req.arg()))) {
                authenticated = true;
                respond("ok");
            } else {
                refuseAuth();
            }
            return;
        }
        switch (req.command()) {
            case "ping" -> respond("ok");
            case "auth" -> respond("error"); // already authenticated, or auth not configured
            default -> dispatch(req);
        }
    }

    private void dispatch(DflockdRequest req) {
        Frame frame;
        try {
            frame = DflockdCommands.toFrame(req);
        } catch (DflockdParseException e) {
            log.debug("{}: protocol error {}: {}", session, e.code(), e.getMessage());
            respond("error");
            return;
        }
        String command = req.command();
        long defaultLease = server.config().defaultLeaseTtl().toSeconds();
        server.requestStarted();
        server.core().dflockdDispatcher().dispatch(session, frame, reply -> {
            server.requestFinished();
            String answer = DflockdCommands.format(command, reply, defaultLease);
            if (channel.eventLoop().inEventLoop()) {
                respond(answer);
            } else {
                channel.eventLoop().execute(() -> respond(answer));
            }
        });
    }

    private void respond(String status) {
        if (ending) return;
        channel.writeAndFlush(line(status)).addListener((ChannelFutureListener) f -> {
            busy = false;
            if (!f.isSuccess()) {
                channel.close();
                return;
            }
            if (pending.isEmpty()) armReadDeadline();
            processNext();
        });
    }

    private void refuseAuth() {
        ending = true;
        pending.clear();
        channel.writeAndFlush(line("error_auth"));
        // The pause slows down token guessing, as in dflockd.
        Closing.closeAfter(channel, null, AUTH_FAILURE_DELAY_MS);
    }

    /** Sends a last line (if any) and ends the connection gracefully. */
    private void end(String last) {
        ending = true;
        pending.clear();
        Closing.close(channel, last == null ? null : line(last));
    }

    private static ByteBuf line(String text) {
        return Unpooled.copiedBuffer(text + "\n", StandardCharsets.UTF_8);
    }

    // ---- the optional idle read deadline (dflockd's --read-timeout, off by default here) --------

    private void armReadDeadline() {
        long ms = server.config().readTimeout().toMillis();
        if (ms <= 0 || busy || ending || channel == null) return;
        cancelReadDeadline();
        readDeadline = channel.eventLoop().schedule(() -> {
            if (!busy && !ending) {
                log.debug("{}: read timeout (code 10)", session);
                end("error");
            }
        }, ms, TimeUnit.MILLISECONDS);
    }

    private void cancelReadDeadline() {
        if (readDeadline != null) {
            readDeadline.cancel(false);
            readDeadline = null;
        }
    }

    // ---- signals pushed to this connection -------------------------------------------------

    @Override
    public boolean pushSignal(String channelName, String payload) {
        return !evicted && pushes.offer(line("sig " + channelName + " " + payload));
    }

    @Override
    public void disconnect(String reason) {
        // Refuse further signals at once: the close below completes asynchronously.
        evicted = true;
        log.info("{}: disconnected: {}", session, reason);
        channel.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{}: connection error: {}", session, cause.toString());
        ctx.close();
    }
}
