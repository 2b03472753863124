package dev.switchboard.core.relay;

import dev.switchboard.core.Dispatcher;
import dev.switchboard.core.session.Request;
import dev.switchboard.core.session.Session;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Frame;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.PayloadFields;
import dev.switchboard.protocol.ProtocolException;
import dev.switchboard.protocol.Reply;
import java.util.Map;
import java.util.Optional;

/**
 * Direct messages between peers: {@code relay.send {to, payload|payload_b64}} hands the payload to
 * the session answering to peer id {@code to} as a {@link DirectMessage} carrying the sender's
 * peer id, or answers {@code peer_not_found} at once when no session answers to it now. Every
 * transport that sends by peer id (the native dispatcher, the openzro relay protocol) goes
 * through {@link #send}, so they share one meaning.
 */
public final class DirectMessages {
    public static final String SEND = "relay.send";

    private final PeerDirectory directory;

    public DirectMessages(PeerDirectory directory) {
        this.directory = directory;
    }

    public void registerWith(Dispatcher dispatcher) {
        dispatcher.register(SEND, this::send);
    }

    /** What became of one message. */
    public enum Outcome {
        /** Queued for the receiver's connection (or kept for its resume). */
        DELIVERED,
        /** No session answers to the peer id now. */
        PEER_NOT_FOUND
    }

    /** Sends {@code payload} from {@code from} to the peer answering to {@code to}. Never blocks. */
    public Outcome send(Session from, String to, Payload payload) {
        Optional<PeerEndpoint> endpoint = directory.find(to);
        if (endpoint.isEmpty()) return Outcome.PEER_NOT_FOUND;
        return endpoint.get().deliver(from.peerId(), payload) ? Outcome.DELIVERED : Outcome.PEER_NOT_FOUND;
    }

    private void send(Request req) {
        Frame f = req.frame();
        String to = f.string("to");
        String problem = Frame.keyError(to);
        if (problem != null) throw new ProtocolException(ErrorCode.INVALID_ARGUMENT, "to: peer id " + problem);
        Payload payload = PayloadFields.read(f);
        if (send(req.session(), to, payload) == Outcome.PEER_NOT_FOUND) {
            throw new ProtocolException(ErrorCode.PEER_NOT_FOUND, "no session answers to peer id " + to + " now");
        }
        req.reply(Reply.ok(Map.of()));
    }
}
