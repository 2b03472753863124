package dev.switchboard.server.transport.json;

import dev.switchboard.core.lock.LockOps;
import dev.switchboard.core.pubsub.Signal;
import dev.switchboard.core.relay.DirectMessage;
import dev.switchboard.core.relay.DirectMessages;
import dev.switchboard.protocol.binary.RelayFrame;
import dev.switchboard.core.pubsub.TopicMessage;
import dev.switchboard.server.transport.IdleDeadlines;
import dev.switchboard.core.session.Outbox;
import dev.switchboard.core.session.SessionEvent;
import dev.switchboard.core.session.Session;
import dev.switchboard.core.session.SessionEnd;
import dev.switchboard.core.session.SessionRegistry;
import dev.switchboard.core.rpc.RequestReply;
import dev.switchboard.server.embed.ConnectDecision;
import dev.switchboard.server.embed.DisconnectInfo;
import dev.switchboard.server.embed.EmbeddingRuntime;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Frame;
import dev.switchboard.protocol.Ops;
import dev.switchboard.protocol.Protocol;
import dev.switchboard.protocol.Reply;
import dev.switchboard.protocol.json.MalformedMessage;
import dev.switchboard.server.SwitchboardConfig;
import dev.switchboard.server.Version;
import dev.switchboard.server.transport.ChannelReplies;
import dev.switchboard.server.transport.ConnectionHandler;
import dev.switchboard.server.transport.EventLoops;
import dev.switchboard.server.transport.ServerContext;
import dev.switchboard.server.transport.SignalWire;
import dev.switchboard.server.transport.handshake.HandshakeDeadline;
import io.netty.channel.ChannelHandlerContext;
import dev.switchboard.server.limits.Limits;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The native protocol on one connection (JSON lines, length-prefixed frames, the Unix socket or
 * WebSocket — the codecs below turn each into typed {@link Frame}s): the hello/welcome handshake, which
 * opens a session or resumes one with its key and replays what the client missed; heartbeats;
 * then requests dispatched to the session with their correlation ids, concurrently, answered as
 * they complete, at most {@code --max-requests-in-flight} at a time. What every connection does
 * (authentication pause, drain, leaving the session, cancelling its own pending requests, the
 * bounded event queue) is {@link ConnectionHandler}'s.
 */
public final class NativeConnectionHandler extends ConnectionHandler {
    public static final int PROTOCOL_VERSION = Protocol.VERSION;

    /** The node's number for this connection once it is welcomed (what the embedding API addresses it by); 0 before. */
    private long connectionNumber;

    /** True while a resume waits for the session's mailbox; messages that come meanwhile wait in {@link #early}. */
    private boolean helloPending;
    private final java.util.ArrayDeque<Object> early = new java.util.ArrayDeque<>();

    /** How this connection frames the events it is pushed (the codecs frame everything else). */
    private final SignalWire.Framing eventFraming;
    /** Whether the hello asked for binary envelopes ({@code "binary":true}); null when it did not say. */
    private Boolean binaryAsked;
    /** BINARY payloads of events go out raw, in binary envelopes (asked for, on a binary framing). */
    private boolean binaryOut;
    /** Who the hello's token says the client is (and until when); given to the session it opens or resumes. */
    private dev.switchboard.server.identity.Authentication.Accepted identity;
    /** Whether the hello asked for compact relay frames ({@code "relay_frames":true}); null when it did not say. */
    private Boolean relayFramesAsked;
    /** Direct messages of bytes go out as compact relay frames, and SEND frames are taken (asked for, on a binary framing). */
    private boolean relayFrames;

    public NativeConnectionHandler(ServerContext server, String transport) {
        super(server, transport);
        this.eventFraming = switch (transport) {
            case "ws" -> SignalWire.Framing.WEBSOCKET;
            case "json-frames" -> SignalWire.Framing.LENGTH_PREFIXED;
            default -> SignalWire.Framing.LINES;
        };
    }

    @Override
    protected void read(ChannelHandlerContext ctx, Object msg) {
        if (helloPending) {
            early.add(msg);
            if (early.size() > server.config().maxRequestsInFlight()) {
                early.clear();
                server.limitHit(Limits.MAX_REQUESTS_IN_FLIGHT);
                fail(null, ErrorCode.TOO_MANY_REQUESTS, "too many messages before the welcome");
            }
            return;
        }
        if (msg instanceof MalformedMessage bad) {
            switch (bad.problem()) {
                case BAD_ID -> send(error(null, ErrorCode.BAD_FRAME, bad.reason()));
                case NO_OP -> {
                    if (session() == null) {
                        fail(bad.id(), ErrorCode.HELLO_REQUIRED, "the first message must be hello");
                    } else {
                        send(error(bad.id(), ErrorCode.BAD_FRAME, bad.reason()));
                    }
                }
                default -> {
                    if (session() == null) {
                        fail(null, ErrorCode.HELLO_REQUIRED, "the first message must be hello; " + bad.reason());
                    } else {
                        send(error(null, ErrorCode.BAD_FRAME, bad.reason()));
                    }
                }
            }
            return;
        }
        if (msg instanceof RelayFrame relayFrame) {
            relayFrame(relayFrame);
            return;
        }
        Frame frame = (Frame) msg;
        String op = frame.op();
        Object id = frame.id();
        if (session() == null) {
            if (op.equals(Ops.HELLO)) {
                hello(ctx, id, frame);
            } else {
                fail(id, ErrorCode.HELLO_REQUIRED, "the first message must be hello");
            }
            return;
        }
        if (op.equals(Ops.PONG)) return; // a heartbeat answer; reading it was the point
        if (op.equals(Ops.HELLO)) {
            send(error(id, ErrorCode.ALREADY_HELLO, "hello was already sent on this connection"));
            return;
        }
        // A backend's answer still goes through during a drain (the drain waits for it), and a
        // call is answered shutting_down by the tracker, on a connection that stays open.
        if (server.draining() && !RequestReply.operationsDuringDrain().contains(op)) {
            fail(id, ErrorCode.DRAINING, "the server is shutting down");
            return;
        }
        switch (op) {
            case Ops.PING -> send(message(Ops.PONG, id));
            case Ops.SESSION_CLOSE -> {
                // An explicit end: locks go at once, not after the grace period. The session is
                // gone before the answer is written, so a resume after the answer finds nothing;
                // the session_closed event that follows comes from the close.
                server.core().sessions().close(session(), server.config().autoReleaseOnDisconnect(),
                        SessionEnd.CLOSED_BY_CLIENT, SessionRegistry.ENDED);
                channel().writeAndFlush(toMessage(id, Reply.ok(Map.of())));
            }
            default -> {
                int max = server.config().maxRequestsInFlight();
                if (requestsInFlight() >= max) {
                    server.limitHit(Limits.MAX_REQUESTS_IN_FLIGHT);
                    send(error(id, ErrorCode.TOO_MANY_REQUESTS, "this connection has " + max
                            + " requests in flight already (--max-requests-in-flight); wait for some answers"));
                    return;
                }
                submit(server.core().nativeDispatcher(), frame,
                        (reply, undo) -> ChannelReplies.write(channel(), toMessage(id, reply), undo));
            }
        }
    }

    /**
     * A compact relay frame: a SEND goes to its peer like {@code relay.send}; a refusal comes back
     * as an error event naming the destination ({@code "to"}), and the connection goes on.
     */
    private void relayFrame(RelayFrame f) {
        if (session() == null) {
            fail(null, ErrorCode.HELLO_REQUIRED, "the first message must be hello");
            return;
        }
        if (!relayFrames) {
            send(error(null, ErrorCode.BAD_FRAME, "relay frame: this connection did not ask for relay frames "
                    + "(\"relay_frames\":true in hello, on a binary framing)"));
            return;
        }
        if (f.type() != RelayFrame.Type.SEND) {
            send(error(null, ErrorCode.BAD_FRAME, "relay frame: type " + f.type() + " is sent by the server only"));
            return;
        }
        if (server.draining()) {
            fail(null, ErrorCode.DRAINING, "the server is shutting down");
            return;
        }
        DirectMessages relay = server.core().directMessages();
        DirectMessages.Outcome outcome = relay.send(session(), f.peerId(), f.payload());
        if (outcome != DirectMessages.Outcome.DELIVERED) {
            dev.switchboard.protocol.ProtocolException refused = relay.refusal(outcome, f.peerId());
            Map<String, Object> error = error(null, refused.code(), refused.getMessage());
            error.put("to", f.peerId());
            send(error);
        }
    }

    private void hello(ChannelHandlerContext ctx, Object id, Frame m) {
        if (!(m.value("version") instanceof Integer v) || v != PROTOCOL_VERSION) {
            fail(id, ErrorCode.UNSUPPORTED_VERSION, "this server speaks protocol version " + PROTOCOL_VERSION);
            return;
        }
        Object token = m.value("token");
        dev.switchboard.server.identity.Authentication auth = server.authenticate(token instanceof String t ? t : null,
                ServerContext.local(channel().remoteAddress()));
        if (auth instanceof dev.switchboard.server.identity.Authentication.Refused refused) {
            refuseAuth(error(id, ErrorCode.UNAUTHORIZED, refused.reason()));
            return;
        }
        this.identity = (dev.switchboard.server.identity.Authentication.Accepted) auth;
        if (m.value("binary") instanceof Boolean b) {
            binaryAsked = b;
            // Lines cannot carry raw bytes (a byte may be a line break): there the answer is false.
            binaryOut = b && eventFraming != SignalWire.Framing.LINES;
        } else if (m.present("binary")) {
            fail(id, ErrorCode.INVALID_ARGUMENT, "binary must be true or false");
            return;
        }
        if (m.value("relay_frames") instanceof Boolean b) {
            relayFramesAsked = b;
            relayFrames = b && eventFraming != SignalWire.Framing.LINES;
        } else if (m.present("relay_frames")) {
            fail(id, ErrorCode.INVALID_ARGUMENT, "relay_frames must be true or false");
            return;
        }
        if (server.draining()) {
            fail(id, ErrorCode.DRAINING, "the server is shutting down");
            return;
        }
        if (m.value("resume") instanceof Map<?, ?> r) {
            long lastSeq = r.get("last_seq") instanceof Number n ? Math.max(0, n.longValue()) : 0;
            // The session is found (maybe by the embedding program's lookup, on another thread) and
            // attaches this connection in its mailbox; messages that come meanwhile wait their turn.
            helloPending = true;
            server.core().sessions().locate(r.get("session") instanceof String sid ? sid : null,
                    r.get("key") instanceof String k ? k : null,
                    found -> EventLoops.now(channel(), () -> admit(ctx, id, found, lastSeq, found == null)));
        } else if (m.present("resume")) {
            fail(id, ErrorCode.INVALID_ARGUMENT, "resume must be an object {session, key, last_seq}");
        } else {
            admit(ctx, id, null, 0, false);
        }
    }

    /**
     * The session for the hello — the one resumed ({@code found}), else a new one — is put to the
     * embedding program's connect hook (on its own threads), then attached; the welcome follows.
     * On the event loop. Without a connect hook all of it runs at once, on this thread.
     */
    private void admit(ChannelHandlerContext ctx, Object id, Session found, long lastSeq, boolean resumeFailed) {
        helloPending = false;
        if (ending() || !channel().isActive()) return;
        SessionRegistry sessions = server.core().sessions();
        Session s = found;
        String newKey = null;
        if (s == null) {
            String ip = channel().remoteAddress() instanceof java.net.InetSocketAddress a ? a.getAddress().getHostAddress() : null;
            SessionRegistry.Open open = sessions.open(sessions.nativePolicy(), transport(), remoteAddress(), ip, null);
            if (open instanceof SessionRegistry.Refused refused) {
                fail(id, refused.code(), refused.message());
                return;
            }
            SessionRegistry.Opened opened = (SessionRegistry.Opened) open;
            s = opened.session();
            newKey = opened.resumeKey();
            // A connection that goes before its session is attached (its connect hook still
            // deciding, say) takes the session with it: nobody else has its key.
            Session opening = s;
            channel().closeFuture().addListener(f -> {
                if (session() != opening) sessions.close(opening, server.config().autoReleaseOnDisconnect(),
                        SessionEnd.CLOSED_BY_SERVER, SessionRegistry.ENDED);
            });
        }
        Session session = s;
        String key = newKey;
        long connectionId = server.connectionId(channel());
        java.util.function.Consumer<ConnectDecision> then = decision -> EventLoops.now(channel(),
                () -> admitted(ctx, id, session, key, lastSeq, resumeFailed, decision));
        helloPending = true;
        EmbeddingRuntime embedding = server.embedding();
        if (embedding == null) {
            then.accept(ConnectDecision.accept());
        } else {
            embedding.admit(session, connectionId, transport(), remoteAddress(), found != null, then);
        }
    }

    /** The connect hook answered: attach the connection, or refuse it (a new session opened for it ends). */
    private void admitted(ChannelHandlerContext ctx, Object id, Session s, String newKey, long lastSeq, boolean resumeFailed,
                          ConnectDecision decision) {
        SessionRegistry sessions = server.core().sessions();
        boolean gone = ending() || !channel().isActive();
        if (gone || !decision.accepted()) {
            helloPending = false;
            // Nobody has the new session's key: it would only wait out its grace period.
            if (newKey != null) sessions.close(s, server.config().autoReleaseOnDisconnect(), SessionEnd.CLOSED_BY_SERVER,
                    "the connection was refused");
            if (!gone) {
                endReason(decision.code());
                end(error(id, decision.code(), decision.message()));
            }
            return;
        }
        sessions.attach(s, this, newKey != null ? 0 : lastSeq,
                attach -> EventLoops.now(channel(), () -> welcome(ctx, id, attach, newKey, resumeFailed)));
    }

    /**
     * Answers the hello: on the connection's event loop, before any event the session delivers
     * to it afterwards. {@code attach} is the outcome of the attach; {@code newKey} is the key of
     * a session opened for this hello (null for a resume).
     */
    private void welcome(ChannelHandlerContext ctx, Object id, SessionRegistry.Attach attach, String newKey, boolean resumeFailed) {
        helloPending = false;
        SessionRegistry sessions = server.core().sessions();
        if (ending() || !channel().isActive()) {
            // The connection went while the session attached it.
            if (attach instanceof SessionRegistry.Attached a) sessions.detach(a.session(), this);
            return;
        }
        if (attach instanceof SessionRegistry.Refused refused) {
            if (refused.code() == ErrorCode.SESSION_NOT_FOUND && newKey == null) {
                admit(ctx, id, null, 0, true); // the session ended while this connection was being admitted
            } else {
                fail(id, refused.code(), refused.message());
            }
            return;
        }
        SwitchboardConfig cfg = server.config();
        SessionRegistry.Attached attached = (SessionRegistry.Attached) attach;
        bind(attached.session());
        SessionRegistry.Attached resumed = newKey == null ? attached : null;
        Map<String, Object> resumeError = null;
        if (resumed == null && resumeFailed) {
            resumeError = new LinkedHashMap<>();
            resumeError.put("code", SessionRegistry.NOT_FOUND.code().wire());
            resumeError.put("message", SessionRegistry.NOT_FOUND.message());
        }
        String resumeKey = newKey;
        server.tokenExpiry().authenticated(session(), identity);
        long heartbeatMs = cfg.heartbeatInterval().toMillis();
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("max_frame_bytes", cfg.maxFrameBytes());
        limits.put("max_locks", cfg.maxLocks());
        limits.put("max_waiters", cfg.maxWaiters());
        limits.put("default_lease_ms", cfg.defaultLeaseTtl().toMillis());
        limits.put("max_lease_ms", LockOps.MAX_DURATION_MS);
        limits.put("replay_buffer_messages", cfg.replayBufferMessages());
        limits.put("session_grace_ms", cfg.sessionGrace().toMillis());
        limits.put("max_connections_per_session", cfg.maxConnectionsPerSession());
        limits.put("max_requests_in_flight", cfg.maxRequestsInFlight());
        // The direct-message bounds a sender meets (relay.send, compact relay frames), so a client can size and pace before it is refused.
        limits.put("relay_max_message_bytes", cfg.relayMaxMessageBytes());
        limits.put("relay_max_messages_per_second", cfg.relayMaxMessagesPerSecond());
        limits.put("relay_max_bytes_per_second", cfg.relayMaxBytesPerSecond());
        limits.put("relay_max_unacknowledged", cfg.relayMaxUnacknowledged());
        Map<String, Object> welcome = message(Ops.WELCOME, id);
        welcome.put("session", session().id());
        if (resumeKey != null) welcome.put("resume_key", resumeKey);
        welcome.put("protocol", PROTOCOL_VERSION);
        welcome.put("server", "switchboard/" + Version.VERSION);
        welcome.put("heartbeat_ms", heartbeatMs);
        welcome.put("limits", limits);
        if (binaryAsked != null) welcome.put("binary", binaryOut);
        if (relayFramesAsked != null) welcome.put("relay_frames", relayFrames);
        if (resumed != null) {
            welcome.put("resumed", true);
            welcome.put("recovered", resumed.recovered());
            welcome.put("last_seq", session().replay().lastSeq());
            if (!resumed.recovered()) welcome.put("first_available", session().replay().firstAvailable());
        } else if (resumeError != null) {
            welcome.put("resumed", false);
            welcome.put("resume_error", resumeError);
        }
        send(welcome);
        HandshakeDeadline.handshakeDone(ctx);
        // Before any live event, which the session delivers after this: the backlog first (for a new
        // session, what the embedding program sent it before this connection was admitted).
        for (Outbox.Event e : attached.backlog()) send(e.message());
        EmbeddingRuntime embedding = server.embedding();
        if (embedding != null) {
            connectionNumber = server.connectionId(channel());
            embedding.connected(connectionNumber, this);
        }
        if (heartbeatMs > 0) {
            ctx.pipeline().addBefore(ctx.name(), "heartbeat",
                    new IdleDeadlines(server.core().clock(), 3 * heartbeatMs, heartbeatMs, 0, TimeUnit.MILLISECONDS));
        }
        // What the client sent while the session was attaching, in order.
        while (!early.isEmpty() && !ending()) read(ctx, early.poll());
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent idle && !ending()) {
            if (idle.state() == IdleState.WRITER_IDLE) {
                send(message(Ops.PING, null));
            } else if (idle.state() == IdleState.READER_IDLE) {
                fail(null, ErrorCode.HEARTBEAT_TIMEOUT, "nothing received for three heartbeat intervals");
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException || cause.getCause() instanceof TooLongFrameException) {
            server.limitHit(Limits.MAX_FRAME_BYTES);
            fail(null, ErrorCode.FRAME_TOO_LARGE,
                    "a message may be at most " + server.config().maxFrameBytes() + " bytes");
            return;
        }
        super.exceptionCaught(ctx, cause);
    }

    /** Sends an error and ends the connection. */
    private void fail(Object id, ErrorCode code, String message) {
        endReason(code.wire());
        end(error(id, code, message));
    }

    /** A welcomed connection left its session: the embedding program's disconnect hook hears why. */
    @Override
    protected void left(String reason) {
        EmbeddingRuntime embedding = server.embedding();
        if (connectionNumber == 0 || embedding == null) return;
        // A drain ends each connection with draining: to the embedding program, the server is shutting down.
        String why = reason.equals(ErrorCode.DRAINING.wire()) ? DisconnectInfo.SERVER_SHUTDOWN : reason;
        embedding.disconnected(connectionNumber, this, session().id(), why);
    }

    private void send(Map<String, Object> message) {
        channel().writeAndFlush(message);
    }

    /** A signal as bytes encoded once for all its subscribers plus this session's {@code seq}; other events as maps. */
    @Override
    protected Object encodeEvent(long seq, SessionEvent event) {
        if (relayFrames && event instanceof DirectMessage dm && dm.ackId() == null && dm.payload().kind() == dev.switchboard.protocol.Payload.Kind.BINARY) {
            byte[] from = dm.from().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            // A peer id too long for the frame's one-byte length goes as an envelope or JSON instead
            // (and so does a message asking for a receipt: the frame has no room for its ack_id).
            if (from.length <= RelayFrame.MAX_PEER_ID_BYTES) return SignalWire.relayMessage(from, dm.payload(), seq, eventFraming);
        }
        if (binaryOut) {
            Signal carried = event instanceof Signal s ? s : event instanceof TopicMessage m ? m.signal() : null;
            if (carried != null && carried.payload().kind() == dev.switchboard.protocol.Payload.Kind.BINARY) {
                return SignalWire.binaryEvent(event, carried.payload(), seq, eventFraming);
            }
            if (event instanceof dev.switchboard.core.session.PayloadEvent p && p.payload().kind() == dev.switchboard.protocol.Payload.Kind.BINARY) {
                return SignalWire.binaryEvent(event, p.payload(), seq, eventFraming);
            }
        }
        if (event instanceof TopicMessage m) return SignalWire.nativeMessage(m.signal(), seq, eventFraming);
        return event instanceof Signal signal ? SignalWire.nativeEvent(signal, seq, eventFraming) : event.message(seq);
    }

    @Override
    protected boolean reportsGaps() {
        return true;
    }

    /** {@code {"op":"gap","seq":<to>,"from_seq":<from>,"to_seq":<to>}}: the events in between were dropped (drop-oldest). */
    @Override
    protected Object encodeGap(long fromSeq, long toSeq) {
        Map<String, Object> gap = message("gap", null);
        gap.put("seq", toSeq);
        gap.put("from_seq", fromSeq);
        gap.put("to_seq", toSeq);
        return gap;
    }

    /** The core ends this connection (slow consumer, session closed): an error event, then close. */
    @Override
    protected Object encodeDisconnect(String code, String message) {
        return error(null, code, message);
    }

    private static Object toMessage(Object id, Reply reply) {
        if (reply.isError()) {
            Map<String, Object> m = message(Ops.ERROR, id);
            m.put("error", reply.errorFields()); // an application error keeps its own code, data and origin
            return m;
        }
        return new ReplyMessage(id, reply.result());
    }

    private static Map<String, Object> message(String op, Object id) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("op", op);
        if (id != null) m.put("id", id);
        return m;
    }

    static Map<String, Object> error(Object id, ErrorCode code, String text) {
        return error(id, code.wire(), text);
    }

    static Map<String, Object> error(Object id, String code, String text) {
        Map<String, Object> m = message(Ops.ERROR, id);
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("code", code);
        e.put("message", text);
        m.put("error", e);
        return m;
    }
}
