package dev.switchboard.server.transport.relay;

import dev.switchboard.core.identity.Identity;
import dev.switchboard.core.relay.DirectMessage;
import dev.switchboard.core.relay.DirectMessages;
import dev.switchboard.core.session.Session;
import dev.switchboard.core.session.SessionEvent;
import dev.switchboard.core.session.SessionRegistry;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.relay.RelayAuth;
import dev.switchboard.protocol.relay.RelayClose;
import dev.switchboard.protocol.relay.RelayCodec;
import dev.switchboard.protocol.relay.RelayHealthCheck;
import dev.switchboard.protocol.relay.RelayMessage;
import dev.switchboard.protocol.relay.RelayMessageType;
import dev.switchboard.protocol.relay.RelayPeerId;
import dev.switchboard.protocol.relay.RelayPeerStates;
import dev.switchboard.protocol.relay.RelayProtocolException;
import dev.switchboard.protocol.relay.RelayTokenException;
import dev.switchboard.protocol.relay.RelayTokens;
import dev.switchboard.protocol.relay.RelayTransport;
import dev.switchboard.server.identity.Authentication;
import dev.switchboard.server.transport.ConnectionHandler;
import dev.switchboard.server.transport.ServerContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One openzro/NetBird relay-protocol connection on {@code /relay}: binary WebSocket messages,
 * Auth first (within the auth timeout), then Transport, Close, HealthCheck and peer-state
 * subscriptions. The peer is a session whose peer id is its {@code sha-…} id, bound to this
 * connection: it is online from its AuthResponse until the connection ends. Anything the protocol
 * does not allow closes the connection without an answer, as the original does, counted by reason.
 */
final class RelayConnectionHandler extends ConnectionHandler {
    private static final Logger log = LoggerFactory.getLogger(RelayConnectionHandler.class);
    private static final byte[] CLOSE = RelayClose.INSTANCE.toBytes();
    private static final byte[] HEALTH_CHECK = RelayHealthCheck.INSTANCE.toBytes();

    private final RelayService relay;
    private final RelayStats stats;
    private RelayPeerId peerId;
    private ScheduledFuture<?> authDeadline;
    private HealthProbe health;
    private RelayPeerWatch watch;

    RelayConnectionHandler(ServerContext server, RelayService relay) {
        super(server, "relay");
        this.relay = relay;
        this.stats = relay.stats();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        super.handlerAdded(ctx);
        ctx.channel().closeFuture().addListener(f -> stopTimers()); // on the event loop
        // The original waits for the first message for ever; a silent connection here ends.
        authDeadline = ctx.executor().schedule(() -> {
            if (peerId == null) refuse("auth_timeout", "no Auth within " + relay.settings().authTimeout());
        }, relay.settings().authTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    protected void read(ChannelHandlerContext ctx, Object msg) {
        try {
            if (!(msg instanceof BinaryWebSocketFrame frame)) {
                // The original reads binary messages only: a text frame fails its read and closes.
                refuse(msg instanceof WebSocketFrame ? "text_frame" : "auth_expected", "the relay protocol sends binary frames only");
                return;
            }
            ByteBuf bytes = frame.content();
            if (peerId == null) authenticate(ctx, bytes);
            else serve(bytes);
        } catch (RelayProtocolException e) {
            refuse(RelayStats.name(e.reason()), e.getMessage());
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    // ---- the handshake ----------------------------------------------------------------------------

    private void authenticate(ChannelHandlerContext ctx, ByteBuf bytes) throws RelayProtocolException {
        RelayMessage first = RelayCodec.decodeFromClient(bytes);
        if (!(first instanceof RelayAuth auth)) {
            refuse("auth_expected", "the first message is Auth (0x06), not " + first.type());
            return;
        }
        RelayTokens.Token token;
        try {
            token = relay.tokens().validate(auth.authPayload(), auth.peerId());
        } catch (RelayTokenException e) {
            refuse("token_" + RelayStats.name(e.reason()), e.getMessage());
            return;
        }
        String ip = channel().remoteAddress() instanceof java.net.InetSocketAddress a ? a.getAddress().getHostAddress() : null;
        SessionRegistry sessions = server.core().sessions();
        SessionRegistry.Open open = sessions.open(relay.policy(), server.connectionId(channel()), transport(), remoteAddress(), ip, this);
        if (!(open instanceof SessionRegistry.Opened opened)) {
            refuse("max_sessions", ((SessionRegistry.Refused) open).message());
            return;
        }
        authDeadline.cancel(false);
        peerId = auth.peerId();
        Session s = opened.session();
        bind(s);
        stats.admitted();
        // Published under its id, then answered, in this one task of the connection's event loop:
        // what others send it meanwhile is queued for a later task of this loop, so the answer is
        // always its first message (the original can let a message overtake it).
        // The credential names this one peer: a newer connection with the id replaces this one (newest wins).
        // The original lets a connection outlive its token; here the session ends when the token does
        // (valid up to and including its expiry second), on the node clock like every token's end
        // (TokenExpiry: --token-expiry-grace, switchboard_token_expired_total). The relay wire has no
        // refresh, so its token.expiring warning is not written (encodeEvent).
        server.tokenExpiry().authenticated(s, new Authentication.Accepted(Identity.nobody(peerId.toString()).asUniquePeer(),
                token.expiry().plusSeconds(1)));
        ctx.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(relay.authResponse())));
        watch = new RelayPeerWatch(server.core().peers(), ctx.channel().eventLoop(), server.core().presence().settings(),
                this::send, () -> server.limitHit(dev.switchboard.server.limits.Limits.PRESENCE_MAX_QUEUED_PER_WATCH));
        health = new HealthProbe(ctx.channel().eventLoop(), relay.settings().healthInterval(), relay.settings().healthTimeout(),
                () -> push(HEALTH_CHECK), () -> closeWithClose("health_check_timeout"));
        health.start();
    }

    // ---- after the handshake ----------------------------------------------------------------------

    private void serve(ByteBuf bytes) throws RelayProtocolException {
        RelayMessageType type = RelayCodec.checkHeader(bytes, RelayMessageType.Sender.CLIENT);
        if (type == RelayMessageType.TRANSPORT) {
            forward(bytes);
            return;
        }
        RelayMessage message = RelayCodec.decodeFromClient(bytes);
        switch (type) {
            case CLOSE -> end(webSocketClose());
            case HEALTH_CHECK -> health.echoed();
            case SUBSCRIBE_PEER_STATE -> subscribe((RelayPeerStates) message);
            case UNSUBSCRIBE_PEER_STATE -> watch.unsubscribe(((RelayPeerStates) message).peerIds());
            case AUTH -> refuse("auth_repeated", "Auth after the handshake");
            default -> throw new IllegalStateException("the codec lets no other client message through: " + type);
        }
    }

    /** A Transport: to whoever answers to the destination id now, from this peer's id (set by the server). */
    private void forward(ByteBuf bytes) throws RelayProtocolException {
        RelayPeerId destination = RelayTransport.rewriteDestinationToSource(bytes, peerId);
        int from = bytes.readerIndex() + RelayTransport.FIXED_BYTES;
        byte[] payload = new byte[bytes.writerIndex() - from];
        bytes.getBytes(from, payload);
        DirectMessages.Outcome outcome = relay.directMessages().send(session(), destination.toString(), Payload.binary(payload));
        // The wire has no answer for a refusal; the original drops an unknown destination too (with a debug log).
        switch (outcome) {
            case DELIVERED -> { }
            case PEER_NOT_FOUND -> stats.dropped("unknown_destination");
            case TOO_LARGE -> stats.dropped("payload_too_large");
            default -> stats.dropped("rate_limited"); // the sender's --relay-max-*-per-second (no ack ids on this wire)
        }
    }

    private void subscribe(RelayPeerStates states) {
        switch (watch.subscribe(states.peerIds())) {
            case OK -> { }
            case TOO_MANY_IDS -> {
                server.limitHit(dev.switchboard.server.limits.Limits.PRESENCE_MAX_IDS_PER_WATCH);
                refuse("presence_max_ids", "more than " + server.core().presence().settings().maxIdsPerWatch()
                        + " peer ids subscribed (--presence-max-ids-per-watch)");
            }
            case REFUSED -> refuse("presence_refused", "the peer directory refused the watch");
        }
    }

    // ---- writing ------------------------------------------------------------------------------------

    private void send(RelayPeerStates states) {
        push(states.toBytes());
    }

    /** A message of this connection's own, behind the session's events, through the bounded queue. */
    private void push(byte[] message) {
        if (ending()) return;
        if (deliver(0, new OutgoingFrame(message)) == Delivery.FULL) {
            disconnect("slow_consumer", "the peer does not read its messages");
        }
    }

    @Override
    protected Object encodeEvent(long seq, SessionEvent event) {
        if (event instanceof OutgoingFrame frame) return new BinaryWebSocketFrame(Unpooled.wrappedBuffer(frame.bytes()));
        if (!(event instanceof DirectMessage message)) return null; // the relay protocol has no other message
        RelayPeerId source;
        try {
            source = RelayPeerId.parse(message.from());
        } catch (RelayProtocolException e) {
            // A Transport carries a 36-byte sha- id: a sender that has none cannot be named.
            stats.dropped("source_not_relay_id");
            return null;
        }
        int size = message.payload().size();
        if (size > RelayTransport.MAX_PAYLOAD_BYTES) {
            // The peer's 8,820-byte buffer would cut it short: never sent truncated.
            stats.dropped("payload_too_large");
            return null;
        }
        ByteBuf out = Unpooled.buffer(RelayTransport.FIXED_BYTES + size);
        out.writeByte(RelayMessageType.PROTOCOL_VERSION);
        out.writeByte(RelayMessageType.TRANSPORT.code());
        source.writeTo(out);
        message.payload().writeTo(out);
        return new BinaryWebSocketFrame(out);
    }

    /**
     * The server ends the connection (replaced, slow consumer, node stopping): Close, then the
     * WebSocket's own close, as the original's graceful close. On the event loop.
     */
    @Override
    protected Object encodeDisconnect(String code, String message) {
        if (ErrorCode.TOKEN_EXPIRED.wire().equals(code)) stats.closed("token_lifetime_over");
        channel().write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(CLOSE)));
        return webSocketClose();
    }

    /** The WebSocket's closing handshake, with no relay message: what the original's connection close sends. */
    private static CloseWebSocketFrame webSocketClose() {
        return new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE);
    }

    // ---- ending -------------------------------------------------------------------------------------

    /** A refused message, token or silence: closed without an answer, counted by reason. */
    private void refuse(String reason, String detail) {
        if (ending()) return;
        stats.closed(reason);
        log.debug("relay connection {} closed: {}: {}", remoteAddress(), reason, detail);
        endReason(reason);
        end(webSocketClose());
    }

    /** The server ends a healthy exchange (a dead peer, a token past its expiry): Close, then close. */
    private void closeWithClose(String reason) {
        if (ending()) return;
        stats.closed(reason);
        endReason(reason);
        channel().write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(CLOSE)));
        end(webSocketClose());
    }

    private void stopTimers() {
        if (authDeadline != null) authDeadline.cancel(false);
        if (health != null) health.stop();
        if (watch != null) watch.closeAll();
    }
}
