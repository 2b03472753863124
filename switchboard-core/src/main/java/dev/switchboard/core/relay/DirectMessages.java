package dev.switchboard.core.relay;

import dev.switchboard.core.Dispatcher;
import dev.switchboard.core.session.Request;
import dev.switchboard.core.session.Session;
import dev.switchboard.core.time.NodeClock;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Frame;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.PayloadFields;
import dev.switchboard.protocol.ProtocolException;
import dev.switchboard.protocol.Reply;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Direct messages between peers: {@code relay.send {to, payload|payload_b64}} hands the payload to
 * the session answering to peer id {@code to} as a {@link DirectMessage} carrying the sender's
 * peer id, or answers {@code peer_not_found} at once when no session answers to it now. Every
 * transport that sends by peer id (the native dispatcher, the compact relay frames, the openzro
 * relay protocol) goes through {@link #send}, so they share one meaning and one set of limits:
 * the size of a message, and the messages and bytes per second of each sending peer.
 */
public final class DirectMessages {
    public static final String SEND = "relay.send";
    public static final String ACK = "relay.ack";

    private final PeerDirectory directory;
    private final NodeClock clock;
    private volatile RelaySettings settings = RelaySettings.defaults();
    private volatile Consumer<String> limitHits = limit -> { };
    /** Each sending session's allowance; removed when the session ends ({@link #ended}). */
    private final Map<Session, SendAllowance> allowances = new ConcurrentHashMap<>();

    private final SessionPeers sessions;
    private final Receipts receipts = new Receipts();

    /** {@code sessions} finds the receivers of messages asking for a receipt, detached ones included. */
    public DirectMessages(PeerDirectory directory, SessionPeers sessions, NodeClock clock) {
        this.directory = directory;
        this.sessions = sessions;
        this.clock = clock;
        sessions.receiptsFromOtherNodes(this::receiveAskingReceipt);
    }

    /** The bounds of later messages (before the node serves). */
    public void settings(RelaySettings settings) {
        this.settings = settings;
    }

    public RelaySettings settings() {
        return settings;
    }

    /** Told the limit's name each time a relay bound is hit ({@code relay_max_...}). */
    public void onLimitHit(Consumer<String> counter) {
        this.limitHits = counter;
    }

    public void registerWith(Dispatcher dispatcher) {
        dispatcher.register(SEND, this::send);
        dispatcher.register(ACK, this::ack);
    }

    /** What became of one message. */
    public enum Outcome {
        /** Queued for the receiver's connection (or kept for its resume). */
        DELIVERED,
        /** No session answers to the peer id now. */
        PEER_NOT_FOUND,
        /** The payload is bigger than {@code --relay-max-message-bytes}. */
        TOO_LARGE,
        /** The sender used up its messages per second. */
        TOO_MANY_MESSAGES,
        /** The sender used up its bytes per second. */
        TOO_MANY_BYTES,
        /** The sender has {@code --relay-max-unacknowledged} messages awaiting their receipt. */
        TOO_MANY_UNACKNOWLEDGED,
        /** The sender already has a message with this ack id awaiting its receipt from this receiver. */
        DUPLICATE_ACK_ID
    }

    /** Sends {@code payload} from {@code from} to the peer answering to {@code to}. Never blocks. */
    public Outcome send(Session from, String to, Payload payload) {
        return send(from, to, payload, null);
    }

    /**
     * Sends as {@link #send(Session, String, Payload)}; with an {@code ackId}, the message asks for a
     * receipt: it also reaches a session waiting for a resume (kept for the resume), and the sender
     * is told {@link Receipt} once, when the receiver acknowledges it or its session ends.
     */
    public Outcome send(Session from, String to, Payload payload, String ackId) {
        RelaySettings limits = settings;
        if (payload.size() > limits.maxMessageBytes()) {
            limitHits.accept("relay_max_message_bytes");
            return Outcome.TOO_LARGE;
        }
        Optional<PeerEndpoint> endpoint = directory.find(to);
        Optional<Session> receiver = ackId == null ? Optional.empty() : sessions.session(to);
        // A receipt-asking message goes to a session here (online or waiting for a resume), else
        // to the peer online on another node.
        if (endpoint.isEmpty() && receiver.isEmpty()) return Outcome.PEER_NOT_FOUND;
        if (limits.maxMessagesPerSecond() > 0 || limits.maxBytesPerSecond() > 0) {
            long now = clock.nanoTime();
            SendAllowance allowance = from.isClosed() ? new SendAllowance(limits, now)
                    : allowances.computeIfAbsent(from, s -> new SendAllowance(limits, now));
            // A session ending meanwhile has had its allowance removed: take this one out again.
            if (from.isClosed()) allowances.remove(from);
            SendAllowance.Refusal refused = allowance.take(limits, payload.size(), now);
            if (refused == SendAllowance.Refusal.MESSAGES) {
                limitHits.accept("relay_max_messages_per_second");
                return Outcome.TOO_MANY_MESSAGES;
            }
            if (refused == SendAllowance.Refusal.BYTES) {
                limitHits.accept("relay_max_bytes_per_second");
                return Outcome.TOO_MANY_BYTES;
            }
        }
        if (ackId == null) return endpoint.get().deliver(from.peerId(), payload) ? Outcome.DELIVERED : Outcome.PEER_NOT_FOUND;
        if (receiver.isEmpty()) return sendAcknowledgedElsewhere(from, to, endpoint.get(), payload, ackId, limits);
        return sendAcknowledged(from, to, receiver.get(), payload, ackId, limits);
    }

    /** A receipt-asking message to a peer on another node: the entry here waits for that node's word. */
    private Outcome sendAcknowledgedElsewhere(Session from, String to, PeerEndpoint endpoint, Payload payload, String ackId,
                                              RelaySettings limits) {
        Receipts.Pending p = new Receipts.Pending(new Receipts.Key(new Receipts.Elsewhere(to), from.peerId(), ackId), from, to);
        Outcome refused = reserve(p, limits);
        if (refused != null) return refused;
        Runnable forget = endpoint.deliverAskingReceipt(from.peerId(), payload, ackId, status -> {
            if (receipts.removeExactly(p)) p.tell(status);
        });
        if (forget == null) {
            receipts.removeExactly(p);
            return Outcome.PEER_NOT_FOUND;
        }
        p.forget().set(forget);
        // The sender ended between the reservation and now: its entries were forgotten before this handle existed.
        if (from.isClosed() && receipts.removeExactly(p)) forget.run();
        return Outcome.DELIVERED;
    }

    /** Reserves the entry of a receipt-asking message; the refusal, or null when reserved. */
    private Outcome reserve(Receipts.Pending p, RelaySettings limits) {
        return switch (receipts.reserve(p, limits.maxUnacknowledged())) {
            case DUPLICATE -> Outcome.DUPLICATE_ACK_ID;
            case TOO_MANY -> {
                limitHits.accept("relay_max_unacknowledged");
                yield Outcome.TOO_MANY_UNACKNOWLEDGED;
            }
            case OK -> null;
        };
    }

    /**
     * A receipt-asking message from a sender on another node, for {@code receiver} here: tracked
     * as one from a sender here, its outcome going to {@code outcome}. A message with the same
     * sender and ack id still awaiting its receipt is one whose sender's node forgot it (the
     * sender went): the new one takes its place. Returns the handle that forgets it, or null
     * when the receiver could not take it.
     */
    private Runnable receiveAskingReceipt(Session receiver, String fromPeer, Payload payload, String ackId,
                                          Consumer<Receipt.Status> outcome) {
        Receipts.Pending p = new Receipts.Pending(new Receipts.Key(receiver, fromPeer, ackId), null, receiver.peerId(),
                outcome, new java.util.concurrent.atomic.AtomicReference<>());
        if (receipts.reserve(p, 0) == Receipts.Reserved.DUPLICATE) {
            receipts.remove(p.key());
            if (receipts.reserve(p, 0) != Receipts.Reserved.OK) return null;
        }
        if (!receiver.emit(new DirectMessage(fromPeer, payload, ackId))) {
            receipts.removeExactly(p);
            return null;
        }
        if (receiver.isClosed()) settle(receipts.ended(receiver));
        return () -> receipts.removeExactly(p);
    }

    private Outcome sendAcknowledged(Session from, String to, Session receiver, Payload payload, String ackId, RelaySettings limits) {
        String fromPeer = from.peerId();
        Receipts.Pending p = new Receipts.Pending(new Receipts.Key(receiver, fromPeer, ackId), from, to);
        Outcome refused = reserve(p, limits);
        if (refused != null) return refused;
        if (!receiver.emit(new DirectMessage(fromPeer, payload, ackId))) {
            receipts.remove(p.key());
            return Outcome.PEER_NOT_FOUND;
        }
        // A receiver that ended between the reservation and the emit was swept before the entry
        // existed: sweep again, so the sender still gets its one outcome.
        if (receiver.isClosed()) settle(receipts.ended(receiver));
        return Outcome.DELIVERED;
    }

    /** After a session's end: its received messages are told undelivered; the other nodes forget its sent ones. */
    private static void settle(Receipts.Ended ended) {
        for (Receipts.Pending p : ended.undelivered()) p.tell(Receipt.Status.UNDELIVERED);
        for (Receipts.Pending p : ended.forgotten()) {
            Runnable forget = p.forget().get();
            if (forget != null) forget.run();
        }
    }

    /** The error a sender gets for an outcome other than {@link Outcome#DELIVERED}, naming the limit it hit. */
    public ProtocolException refusal(Outcome outcome, String to) {
        RelaySettings limits = settings;
        return switch (outcome) {
            case PEER_NOT_FOUND -> new ProtocolException(ErrorCode.PEER_NOT_FOUND, "no session answers to peer id " + to + " now");
            case TOO_LARGE -> new ProtocolException(ErrorCode.FRAME_TOO_LARGE, "a direct message may carry at most "
                    + limits.maxMessageBytes() + " bytes (--relay-max-message-bytes)");
            case TOO_MANY_MESSAGES -> new ProtocolException(ErrorCode.TOO_MANY_REQUESTS, "a peer may send "
                    + limits.maxMessagesPerSecond() + " direct messages per second (--relay-max-messages-per-second)");
            case TOO_MANY_BYTES -> new ProtocolException(ErrorCode.TOO_MANY_REQUESTS, "a peer may send "
                    + limits.maxBytesPerSecond() + " bytes of direct messages per second (--relay-max-bytes-per-second)");
            case TOO_MANY_UNACKNOWLEDGED -> new ProtocolException(ErrorCode.TOO_MANY_REQUESTS, "a session may have "
                    + limits.maxUnacknowledged() + " direct messages awaiting their receipt (--relay-max-unacknowledged)");
            case DUPLICATE_ACK_ID -> new ProtocolException(ErrorCode.INVALID_ARGUMENT,
                    "ack_id: a message with this ack_id to " + to + " awaits its receipt already");
            case DELIVERED -> throw new IllegalArgumentException("a delivered message is no refusal");
        };
    }

    /**
     * The session ended: its allowance goes with it; the messages it received and did not
     * acknowledge are told undelivered to their senders; the receipts it awaited are forgotten.
     */
    public void ended(Session s) {
        allowances.remove(s);
        settle(receipts.ended(s));
    }

    /** Messages awaiting their receipt on the node (for tests that check nothing is left behind). */
    public int unacknowledgedCount() {
        return receipts.size();
    }

    /** Sending sessions with an allowance now (for tests that check nothing is left behind). */
    public int allowanceCount() {
        return allowances.size();
    }

    private void send(Request req) {
        Frame f = req.frame();
        String to = f.string("to");
        String problem = Frame.keyError(to);
        if (problem != null) throw new ProtocolException(ErrorCode.INVALID_ARGUMENT, "to: peer id " + problem);
        Payload payload = PayloadFields.read(f);
        String ackId = null;
        if (f.present("ack_id")) {
            ackId = f.string("ack_id");
            String bad = Frame.keyError(ackId);
            if (bad != null) throw new ProtocolException(ErrorCode.INVALID_ARGUMENT, "ack_id " + bad);
        }
        Outcome outcome = send(req.session(), to, payload, ackId);
        if (outcome != Outcome.DELIVERED) throw refusal(outcome, to);
        req.reply(Reply.ok(Map.of()));
    }

    /** {@code relay.ack {from, ack_id}}: the receiver's client took the message; its sender gets the receipt. */
    private void ack(Request req) {
        Frame f = req.frame();
        String from = f.string("from");
        String ackId = f.string("ack_id");
        Receipts.Pending p = receipts.remove(new Receipts.Key(req.session(), from, ackId));
        if (p == null) {
            throw new ProtocolException(ErrorCode.INVALID_ARGUMENT, "no message from " + from + " with ack_id " + ackId
                    + " awaits an acknowledgement in this session");
        }
        p.tell(Receipt.Status.ACKNOWLEDGED);
        req.reply(Reply.ok(Map.of()));
    }
}
