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

    private final PeerDirectory directory;
    private final NodeClock clock;
    private volatile RelaySettings settings = RelaySettings.defaults();
    private volatile Consumer<String> limitHits = limit -> { };
    /** Each sending session's allowance; removed when the session ends ({@link #ended}). */
    private final Map<Session, SendAllowance> allowances = new ConcurrentHashMap<>();

    public DirectMessages(PeerDirectory directory, NodeClock clock) {
        this.directory = directory;
        this.clock = clock;
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
        TOO_MANY_BYTES
    }

    /** Sends {@code payload} from {@code from} to the peer answering to {@code to}. Never blocks. */
    public Outcome send(Session from, String to, Payload payload) {
        RelaySettings limits = settings;
        if (payload.size() > limits.maxMessageBytes()) {
            limitHits.accept("relay_max_message_bytes");
            return Outcome.TOO_LARGE;
        }
        Optional<PeerEndpoint> endpoint = directory.find(to);
        if (endpoint.isEmpty()) return Outcome.PEER_NOT_FOUND;
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
        return endpoint.get().deliver(from.peerId(), payload) ? Outcome.DELIVERED : Outcome.PEER_NOT_FOUND;
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
            case DELIVERED -> throw new IllegalArgumentException("a delivered message is no refusal");
        };
    }

    /** The session ended: its allowance goes with it. */
    public void ended(Session s) {
        allowances.remove(s);
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
        Outcome outcome = send(req.session(), to, payload);
        if (outcome != Outcome.DELIVERED) throw refusal(outcome, to);
        req.reply(Reply.ok(Map.of()));
    }
}
