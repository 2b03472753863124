package dev.switchboard.server.transport.dflockd;

import dev.switchboard.core.session.RequestOrigin;
import dev.switchboard.core.session.Session;
import dev.switchboard.core.session.SessionConnection;
import dev.switchboard.core.session.SessionRegistry;
import dev.switchboard.protocol.Frame;
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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One dflockd connection, attached to its session (which ends with it): the auth handshake, and
 * dflockd's rule of one request at a time (the next request is taken only once the answer to the
 * current one is written). Requests that arrive meanwhile wait in a bounded queue, like the bytes
 * in dflockd's socket buffer. Signals the session receives go out as {@code sig} lines.
 * Everything here runs on the channel's event loop, except {@link #deliver} and {@link #disconnect}.
 */
public final class DflockdConnectionHandler extends ChannelInboundHandlerAdapter implements SessionConnection {
    private static final Logger log = LoggerFactory.getLogger(DflockdConnectionHandler.class);
    /** dflockd cancels a connection whose pipelined input fills its 4 KiB reader during a blocking call. */
    private static final int MAX_PIPELINED = 256;

    private final ServerContext server;
    private final ArrayDeque<Object> pending = new ArrayDeque<>();
    private final RequestOrigin origin = new RequestOrigin("dflockd");
    private PushQueue pushes;
    private volatile boolean evicted;
    private Channel channel;
    private Session session;
    private boolean authenticated;
    private boolean busy;
    private boolean ending;
    private boolean ended;
    private ScheduledFuture<?> readDeadline;

    public DflockdConnectionHandler(ServerContext server) {
        this.server = server;
        this.authenticated = !server.authRequired();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        pushes = new PushQueue(channel, server.config().signalBufferSize());
        SessionRegistry sessions = server.core().sessions();
        session = ((SessionRegistry.Opened) sessions.open(sessions.dflockdPolicy(), server.connectionId(channel), "dflockd",
                String.valueOf(channel.remoteAddress()), null, this)).session();
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

    /**
     * The connection is gone or being closed: its pending request is cancelled and the session
     * ends now, releasing its locks (per {@code --auto-release-on-disconnect}) at once, as
     * dflockd does, not when the closing handshake is over.
     */
    private void endSession() {
        cancelReadDeadline();
        pending.forEach(ReferenceCountUtil::release);
        pending.clear();
        if (ended || session == null) return;
        ended = true;
        origin.close();
        server.core().sessions().detach(session, this);
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
                respond("ok", null);
            } else {
                refuseAuth();
            }
            return;
        }
        switch (req.command()) {
            case "ping" -> respond("ok", null);
            case "auth" -> respond("error", null); // already authenticated, or auth not configured
            default -> dispatch(req);
        }
    }

    private void dispatch(DflockdRequest req) {
        Frame frame;
        try {
            frame = DflockdCommands.toFrame(req);
        } catch (DflockdParseException e) {
            log.debug("{}: protocol error {}: {}", session, e.code(), e.getMessage());
            respond("error", null);
            return;
        }
        String command = req.command();
        long defaultLease = server.config().defaultLeaseTtl().toSeconds();
        session.submit(server.core().dflockdDispatcher(), frame, origin, (reply, undo) -> {
            String answer = DflockdCommands.format(command, reply, defaultLease);
            if (channel.eventLoop().inEventLoop()) {
                respond(answer, undo);
            } else {
                channel.eventLoop().execute(() -> respond(answer, undo));
            }
        });
    }

    /** Writes an answer, then takes the next request; a grant that cannot be written is undone. */
    private void respond(String status, Runnable undo) {
        if (ending || !channel.isActive()) {
            if (undo != null) undo.run();
            return;
        }
        channel.writeAndFlush(line(status)).addListener((ChannelFutureListener) f -> {
            busy = false;
            if (!f.isSuccess()) {
                if (undo != null) undo.run();
                channel.close();
                return;
            }
            if (pending.isEmpty()) armReadDeadline();
            processNext();
        });
    }

    private void refuseAuth() {
        ending = true;
        channel.writeAndFlush(line("error_auth"));
        Closing.closeAfter(channel, null, ServerContext.AUTH_FAILURE_DELAY_MS);
        endSession();
    }

    /** Sends a last line (if any) and ends the connection gracefully; the session ends now. */
    private void end(String last) {
        ending = true;
        Closing.close(channel, last == null ? null : line(last));
        endSession();
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

    // ---- the session's side ----------------------------------------------------------------------

    /** A signal becomes a {@code sig} line; dflockd's protocol has no other event. */
    @Override
    public boolean deliver(Map<String, Object> event) {
        if (!"signal".equals(event.get("op"))) return true;
        return !evicted && pushes.offer(line("sig " + event.get("channel") + " " + event.get("payload")));
    }

    /** The session cut this connection (a slow consumer, an administrator's close): no last line in dflockd's protocol. */
    @Override
    public void disconnect(String code, String message) {
        // Refuse further signals at once: the close below completes asynchronously.
        evicted = true;
        log.debug("{}: disconnected: {}", session, message);
        channel.close();
    }

    @Override
    public String transport() {
        return "dflockd";
    }

    @Override
    public String remoteAddress() {
        return String.valueOf(channel.remoteAddress());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{}: connection error: {}", session, cause.toString());
        ctx.close();
    }
}
