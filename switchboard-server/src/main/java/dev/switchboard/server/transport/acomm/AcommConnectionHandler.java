package dev.switchboard.server.transport.acomm;

import dev.switchboard.protocol.Frame;
import dev.switchboard.protocol.Subjects;
import dev.switchboard.server.limits.Limits;
import dev.switchboard.server.transport.ServerContext;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One acomm connection (docs/messaging.md, "acomm"). Each frame is acknowledged as acomm's
 * tracker does — {@code {"error":"","id":"","result":null,"stream_url":null}}, or with the reason
 * in {@code error} when it is refused — then acted on:
 * <ul>
 *   <li>a Request {@code {"id","task","args","responsehook"}} becomes a call of {@code task} with
 *       {@code args} as its JSON payload; its outcome, as a Response, goes to the hook, or back on
 *       this connection when there is none (an extension: acomm always names a hook);</li>
 *   <li>a Response {@code {"id","result","error","stream_url"}} answers the call with that rid that
 *       went to an acomm backend (taken on the Unix socket only).</li>
 * </ul>
 * Both acomm's one-exchange clients (one frame, the ack, close) and connections that send many
 * frames work; a call goes on when its connection closes, since its Response goes to a hook.
 */
final class AcommConnectionHandler extends SimpleChannelInboundHandler<ByteBuf> {
    static final String NAME_IN_PIPELINE = "acomm";
    private static final Logger log = LoggerFactory.getLogger(AcommConnectionHandler.class);

    private final ServerContext server;
    private final Acomm acomm;
    /** Requests of this connection whose outcome has not come yet. */
    private final AtomicInteger inFlight = new AtomicInteger();
    private Channel channel;

    AcommConnectionHandler(ServerContext server, Acomm acomm) {
        this.server = server;
        this.acomm = acomm;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
        Map<String, Object> m;
        try {
            m = AcommWire.parse(frame);
        } catch (IllegalArgumentException e) {
            ack(e.getMessage()); // the framing is still in step: the next frame is read as usual
            return;
        }
        if (m.containsKey("op")) {
            ack("this connection speaks acomm (its first message was one); a native message needs a connection of its own");
        } else if (server.authRequired() && !onUnixSocket()) {
            // acomm cannot carry a token: with --auth-token only the Unix socket (its file's permissions) takes it.
            ack("unauthorized: this server requires a token, which acomm cannot send; use the Unix socket");
        } else if (m.containsKey("task")) {
            request(m);
        } else if (AcommDetector.isResponse(m)) {
            response(m);
        } else {
            ack("an acomm message is a request (with a task) or a response (an id with result or error)");
        }
    }

    private void request(Map<String, Object> m) {
        Object id = m.get("id");
        if (!AcommWire.usableId(id)) {
            ack("id must be a string");
            return;
        }
        if (!(m.get("task") instanceof String task) || task.isEmpty()) {
            ack("task must be a non-empty string");
            return;
        }
        ResponseHook hook;
        try {
            hook = ResponseHook.parse(m.get("responsehook"), isLocal(), acomm.settings().hookUrlAllow());
        } catch (IllegalArgumentException e) {
            ack(e.getMessage());
            return;
        }
        // The checks rpc.call makes of a name: a key's length and characters, then a subject's tokens.
        String badTask = Frame.keyError(task);
        if (badTask == null) badTask = Subjects.channelError(task);
        if (badTask != null && hook == null) {
            ack("task: " + badTask);
            return;
        }
        if (server.draining()) {
            ack("shutting_down: the server is shutting down");
            return;
        }
        int max = acomm.settings().maxInFlight();
        if (inFlight.get() >= max) {
            acomm.limitHit(Limits.ACOMM_MAX_IN_FLIGHT);
            ack("too_many_requests: this connection has " + max + " acomm requests in flight already (--acomm-max-in-flight)");
            return;
        }
        if (hook != null && !acomm.reserveDelivery()) {
            ack("too_many_requests: " + acomm.settings().maxHookDeliveries()
                    + " responses are owed to response hooks already (--acomm-max-hook-deliveries); try again later");
            return;
        }
        ack("");
        if (badTask != null) {
            // Taken (the hook is usable), so its outcome goes where the caller waits for it.
            acomm.deliver(hook, AcommWire.response("invalid_argument: task: " + badTask, id, null));
            return;
        }
        inFlight.incrementAndGet();
        acomm.call(task, m.get("args"), outcome -> {
            inFlight.decrementAndGet();
            byte[] response = Acomm.response(id, outcome);
            if (hook != null) {
                acomm.deliver(hook, response);
            } else if (channel.isActive()) {
                channel.writeAndFlush(AcommWire.frame(channel.alloc(), response));
            } else {
                log.debug("the outcome of acomm request {} is dropped: it named no hook and its connection closed", id);
            }
        });
    }

    private void response(Map<String, Object> m) {
        if (!onUnixSocket()) {
            ack("acomm responses are taken on the Unix socket only");
            return;
        }
        Object id = m.get("id");
        if (acomm.backends().respond(id, m)) {
            ack("");
        } else {
            ack("unknown_request: no call " + id + " sent to an acomm backend is waiting (it ended, or never went to one)");
        }
    }

    /** The Unix socket, or a loopback peer: a client that could reach a local socket itself. */
    private boolean isLocal() {
        if (onUnixSocket()) return true;
        return channel.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
                && a.getAddress().isLoopbackAddress();
    }

    private boolean onUnixSocket() {
        return dev.switchboard.server.transport.IoTransport.onUnixSocket(channel);
    }

    private void ack(String error) {
        channel.writeAndFlush(AcommWire.frame(channel.alloc(), AcommWire.ack(error)));
    }

    /** Idle for three heartbeat intervals: closed, unless it still waits for a Response on this connection. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent idle && idle.state() == IdleState.READER_IDLE) {
            if (inFlight.get() == 0) {
                log.debug("acomm connection {} idle, closing", dev.switchboard.server.transport.PeerAddress.of(ctx.channel()));
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException || cause.getCause() instanceof TooLongFrameException) {
            server.limitHit(Limits.MAX_FRAME_BYTES);
            // The rest of that frame cannot be skipped reliably: say why, then close.
            ctx.writeAndFlush(AcommWire.frame(ctx.alloc(), AcommWire.ack("frame_too_large: a message may be at most "
                    + server.config().maxFrameBytes() + " bytes"))).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        log.debug("acomm connection {} failed: {}", dev.switchboard.server.transport.PeerAddress.of(ctx.channel()), cause.toString());
        ctx.close();
    }
}
