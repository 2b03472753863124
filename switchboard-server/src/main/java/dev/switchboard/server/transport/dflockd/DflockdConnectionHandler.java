package dev.switchboard.server.transport.dflockd;

import dev.switchboard.core.pubsub.Signal;
import dev.switchboard.core.session.SessionEvent;
import dev.switchboard.server.limits.Limits;
import dev.switchboard.core.session.SessionRegistry;
import dev.switchboard.protocol.Frame;
import dev.switchboard.server.transport.ConnectionHandler;
import dev.switchboard.server.transport.LoopDeadline;
import dev.switchboard.server.transport.ServerContext;
import dev.switchboard.server.transport.SignalWire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * dflockd's line protocol on one connection, which is its session (the session ends with it):
 * the auth handshake, and dflockd's rule of one request at a time (the next request is taken
 * only once the answer to the current one is written). Requests that arrive meanwhile wait in a
 * bounded queue, like the bytes in dflockd's socket buffer. Signals go out as {@code sig} lines.
 * What every connection does is {@link ConnectionHandler}'s.
 */
public final class DflockdConnectionHandler extends ConnectionHandler {
    private static final Logger log = LoggerFactory.getLogger(DflockdConnectionHandler.class);
    private final ArrayDeque<Object> pending = new ArrayDeque<>();
    private boolean authenticated;
    private boolean busy;
    private LoopDeadline readDeadline;

    public DflockdConnectionHandler(ServerContext server) {
        super(server, "dflockd");
        this.authenticated = !server.authRequired();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        super.handlerAdded(ctx);
        SessionRegistry sessions = server.core().sessions();
        bind(((SessionRegistry.Opened) sessions.open(sessions.dflockdPolicy(), server.connectionId(ctx.channel()),
                "dflockd", remoteAddress(), null, this)).session());
        // Anonymous, by where it connects from; the shared token's identity once it says auth.
        session().identity(server.config().acl().anonymous(ServerContext.local(ctx.channel().remoteAddress())));
        ctx.channel().closeFuture().addListener(f -> {
            cancelReadDeadline();
            pending.forEach(ReferenceCountUtil::release);
            pending.clear();
        });
        armReadDeadline();
    }

    @Override
    protected void read(ChannelHandlerContext ctx, Object msg) {
        armReadDeadline();
        pending.add(msg);
        // dflockd cancels a connection whose pipelined input fills its 4 KiB reader during a
        // blocking call; here the bound is --dflockd-max-pipelined requests.
        if (pending.size() > server.config().dflockdMaxPipelined()) {
            server.limitHit(Limits.DFLOCKD_MAX_PIPELINED);
            log.debug("{}: too many pipelined requests, closing", session());
            finish(null);
            return;
        }
        processNext();
    }

    private void processNext() {
        if (busy || ending() || pending.isEmpty()) {
            return;
        }
        Object msg = pending.poll();
        busy = true;
        cancelReadDeadline();
        if (msg == LineTooLong.INSTANCE) {
            log.debug("{}: line too long (code 12)", session());
            if (authenticated) {
                finish("error");
            } else {
                refuseAuth(line("error_auth")); // a failed read during the handshake is an auth failure
            }
            return;
        }
        DflockdRequest req = (DflockdRequest) msg;
        if (server.draining()) {
            finish("error_draining");
            return;
        }
        if (!authenticated) {
            if (req.command().equals("auth") && server.tokenMatches(DflockdSyntax.trimSpace(req.arg()))) {
                authenticated = true;
                session().identity(dev.switchboard.core.identity.Identity.SHARED_TOKEN);
                respond("ok", null);
            } else {
                refuseAuth(line("error_auth"));
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
            log.debug("{}: protocol error {}: {}", session(), e.code(), e.getMessage());
            respond("error", null);
            return;
        }
        String command = req.command();
        long defaultLease = server.config().defaultLeaseTtl().toSeconds();
        submit(server.core().dflockdDispatcher(), frame, (reply, undo) -> {
            String answer = DflockdCommands.format(command, reply, defaultLease);
            if (channel().eventLoop().inEventLoop()) {
                respond(answer, undo);
            } else {
                channel().eventLoop().execute(() -> respond(answer, undo));
            }
        });
    }

    /** Writes an answer, then takes the next request; a grant that cannot be written is undone. */
    private void respond(String status, Runnable undo) {
        if (ending() || !channel().isActive()) {
            if (undo != null) undo.run();
            return;
        }
        channel().writeAndFlush(line(status)).addListener((ChannelFutureListener) f -> {
            busy = false;
            if (!f.isSuccess()) {
                if (undo != null) undo.run();
                channel().close();
                return;
            }
            if (pending.isEmpty()) armReadDeadline();
            processNext();
        });
    }

    /** A last line (if any), then the connection ends; the session, and its locks, end now. */
    private void finish(String last) {
        pending.forEach(ReferenceCountUtil::release);
        pending.clear();
        end(last == null ? null : line(last));
    }

    /**
     * The answer line in a buffer of the channel's allocator (pooled and direct): no copy into a
     * direct buffer at the socket, and no garbage per answer beyond the buffer's small wrapper.
     */
    private ByteBuf line(String text) {
        ByteBuf buf = channel().alloc().buffer(ByteBufUtil.utf8MaxBytes(text) + 1);
        ByteBufUtil.writeUtf8(buf, text);
        return buf.writeByte('\n');
    }

    // ---- the optional idle read deadline (dflockd's --read-timeout, off by default here) --------

    private void armReadDeadline() {
        long ms = server.config().readTimeout().toMillis();
        if (ms <= 0 || busy || ending()) return;
        cancelReadDeadline();
        readDeadline = LoopDeadline.after(server.core().clock(), channel().eventLoop(), ms, TimeUnit.MILLISECONDS, () -> {
            if (!busy && !ending()) {
                log.debug("{}: read timeout (code 10)", session());
                finish("error");
            }
        });
    }

    private void cancelReadDeadline() {
        if (readDeadline != null) {
            readDeadline.cancel();
            readDeadline = null;
        }
    }

    // ---- the session's side ----------------------------------------------------------------------

    /** A signal becomes a {@code sig} line, the same bytes for every listener; dflockd's protocol has no other event. */
    @Override
    protected Object encodeEvent(long seq, SessionEvent event) {
        return event instanceof Signal signal ? SignalWire.dflockdLine(signal) : null;
    }

    /** dflockd's protocol has no way to say why: the connection just closes. */
    @Override
    protected Object encodeDisconnect(String code, String message) {
        return null;
    }
}
