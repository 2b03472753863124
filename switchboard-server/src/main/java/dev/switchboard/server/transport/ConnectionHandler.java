package dev.switchboard.server.transport;

import dev.switchboard.server.limits.Limits;
import dev.switchboard.core.Dispatcher;
import dev.switchboard.core.session.Request;
import dev.switchboard.core.session.RequestOrigin;
import dev.switchboard.core.session.Session;
import dev.switchboard.core.session.SessionConnection;
import dev.switchboard.core.session.SessionEvent;
import dev.switchboard.protocol.Frame;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every connection that speaks to a session does, whatever its protocol: authenticate (with
 * the failure pause), refuse work while draining, attach to its session and detach from it at
 * once when the connection ends or the server ends it, cancel the requests it is still waiting
 * for (and only those), bound the requests it has in flight, push the session's events behind a
 * bounded queue, and close with a last message without losing it.
 *
 * <p>A protocol (dflockd's lines, the native JSON protocol on lines, frames or WebSocket) is a
 * subclass: it turns decoded input into frames for the session and the session's replies and
 * events into its wire messages. Codecs below it in the pipeline only frame bytes.
 */
public abstract class ConnectionHandler extends ChannelDuplexHandler implements SessionConnection {
    private static final Logger log = LoggerFactory.getLogger(ConnectionHandler.class);

    protected final ServerContext server;
    private final String transport;
    private final RequestOrigin origin;
    private Channel channel;
    private EventPushes pushes;
    private Session session;
    private volatile boolean ending;
    private boolean detached;
    /** Why the connection ends, when the server ends it (an error code); null: the client closed it. */
    private String endReason;

    protected ConnectionHandler(ServerContext server, String transport) {
        this.server = server;
        this.transport = transport;
        this.origin = new RequestOrigin();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        // Events are written below this handler; every other write passes write() below, which puts them first.
        int max = server.config().signalBufferSize();
        pushes = server.config().slowConsumerPolicy() == SlowConsumerPolicy.DROP_OLDEST && reportsGaps()
                ? new GapQueue(channel, ctx, max, this::encodeGap, server::slowConsumerDrop)
                : new PushQueue(channel, ctx, max, () -> server.limitHit(Limits.SIGNAL_BUFFER_SIZE));
    }

    @Override
    public final void channelInactive(ChannelHandlerContext ctx) {
        connectionGone();
        ctx.fireChannelInactive();
    }

    @Override
    public final void handlerRemoved(ChannelHandlerContext ctx) {
        connectionGone();
    }

    @Override
    public final void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (ending) {
            ReferenceCountUtil.release(msg);
            return;
        }
        read(ctx, msg);
    }

    /**
     * Everything this connection writes besides its events (replies, pongs, a last word) comes
     * through here: the events queued before it go first, so that, for one, a client that publishes
     * on a channel it listens to gets its event before the publish's answer.
     */
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (pushes != null) pushes.drainBeforeWrite();
        ctx.write(msg, promise);
    }

    /** One decoded message from the client (never called once the connection is ending). */
    protected abstract void read(ChannelHandlerContext ctx, Object msg);

    /**
     * The session's event numbered {@code seq} (0 when the session does not number them) as this
     * protocol writes it — {@link PushedBytes} where it can, so that a burst goes out in one write —
     * or null when the protocol has no such message. The event may be shared: it must not change.
     */
    protected abstract Object encodeEvent(long seq, SessionEvent event);

    /**
     * Whether this protocol can tell its client that events were dropped ({@link #encodeGap}); a
     * protocol that cannot (dflockd's) is always cut when too far behind, whatever the policy.
     */
    protected boolean reportsGaps() {
        return false;
    }

    /** The message that tells the client the events numbered {@code fromSeq..toSeq} were dropped. */
    protected Object encodeGap(long fromSeq, long toSeq) {
        throw new IllegalStateException("encodeGap on a protocol whose reportsGaps() is false: it has no gap message");
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (pushes != null) pushes.writabilityChanged();
        ctx.fireChannelWritabilityChanged();
    }

    /** What this protocol says before the server cuts the connection; null for nothing. */
    protected abstract Object encodeDisconnect(String code, String message);

    // ---- the session ----------------------------------------------------------------------------

    protected final Session session() {
        return session;
    }

    /** Binds the connection to its session, once it is opened or resumed (and attached) for it. */
    protected final void bind(Session s) {
        this.session = s;
    }

    /** Sends a request to the session; its reply goes to {@code replier}, and is cancelled if this connection goes first. */
    protected final void submit(Dispatcher dispatcher, Frame frame, Request.Replier replier) {
        session.submit(dispatcher, frame, origin, (reply, undo) -> {
            server.countLimitReply(reply);
            replier.deliver(reply, undo);
        });
    }

    /** Requests sent on this connection and not yet answered. */
    protected final int requestsInFlight() {
        return origin.pendingCount();
    }

    /**
     * The connection is gone, or the server is ending it: the requests it is still waiting for
     * are cancelled, since nobody can read their answers, and it leaves its session at once (a
     * dflockd session ends with it; a native one waits for a resume), not when the closing
     * handshake is over.
     */
    private void connectionGone() {
        origin.close();
        if (session == null || detached) return;
        detached = true;
        server.core().sessions().detach(session, this);
        left(endReason != null ? endReason : server.stopping() ? "server_shutdown" : "client_closed");
    }

    /**
     * The connection has left its session, for {@code reason}: the error code the server ended it
     * with, {@code client_closed}, or {@code server_shutdown}. On the event loop; must not block.
     */
    protected void left(String reason) {
    }

    /** Records why the server ends the connection (the first reason given stands). On the event loop. */
    protected final void endReason(String code) {
        if (endReason == null) endReason = code;
    }

    // ---- ending ---------------------------------------------------------------------------------

    protected final Channel channel() {
        return channel;
    }

    protected final boolean ending() {
        return ending;
    }

    /** Ends the connection after {@code last} (may be null), which is not lost; the session is left at once. */
    protected final void end(Object last) {
        if (ending) {
            ReferenceCountUtil.release(last);
            return;
        }
        ending = true;
        // The session is left before the last line goes out: a client that reads it and asks
        // again, on another connection, finds this connection's locks already given back.
        connectionGone();
        Closing.close(channel, last);
    }

    /**
     * A failed authentication: {@code answer} at once, then the connection closes after the
     * pause that slows down token guessing.
     */
    protected final void refuseAuth(Object answer) {
        ending = true;
        channel.writeAndFlush(answer);
        Closing.closeAfter(channel, null, ServerContext.AUTH_FAILURE_DELAY_MS);
        connectionGone();
    }

    // ---- SessionConnection: what the session sends this connection --------------------------------

    /**
     * An event of the session, behind a bounded queue: {@code FULL} when the client is too far
     * behind; {@code CLOSED} once the connection is ending (it is not behind: it is going, and the
     * session must not call it a slow consumer).
     */
    @Override
    public final Delivery deliver(long seq, SessionEvent event) {
        if (ending) return Delivery.CLOSED;
        Object wire = encodeEvent(seq, event);
        return wire == null ? Delivery.ACCEPTED : pushes.offerEvent(seq, wire, event);
    }

    /** The session ends this connection (slow consumer, session closed): the protocol's last word, then close. */
    @Override
    public final void disconnect(String code, String message) {
        ending = true; // no more events from now on; the close itself happens on the event loop
        channel.eventLoop().execute(() -> {
            endReason(code);
            log.debug("{}: disconnected: {}", session, message);
            Object last = encodeDisconnect(code, message);
            Closing.close(channel, last);
            connectionGone();
        });
    }

    @Override
    public String transport() {
        return transport;
    }

    @Override
    public String remoteAddress() {
        return PeerAddress.of(channel);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{}: connection error: {}", session, cause.toString());
        endReason("connection_error");
        ctx.close();
    }
}
