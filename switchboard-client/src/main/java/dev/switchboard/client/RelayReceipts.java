package dev.switchboard.client;

import dev.switchboard.protocol.Payload;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;

/**
 * Acknowledged direct messages ({@code relay.send} with an {@code ack_id}): the sender's side waits
 * for the {@code relay.receipt} event, and the receiver's side acknowledges each message that asked
 * for one once its listeners ran ({@code relay.ack}), as the JavaScript client does.
 *
 * <p>What waits here is bounded by the server: a session has at most
 * {@code --relay-max-unacknowledged} messages awaiting their receipt, and one more is refused, which
 * fails (and forgets) its future. A receipt that will not come fails its future: when the session
 * that sent the message ends (the server forgets its receipts then), and when the server dropped
 * events of the session (the receipt may have been one of them).
 */
final class RelayReceipts {
    private final RequestRouter requests;
    private final Duration requestTimeout;
    private final Map<String, Waiting> waiting = new ConcurrentHashMap<>();
    private final AtomicLong lastAckId = new AtomicLong();
    /** Tells this client's ack ids apart from an earlier client's in the same session (a resumed one). */
    private final String idSuffix = "." + Long.toString(System.currentTimeMillis(), 36);

    /** A receipt waited for; {@code sent} once the server took the message (its receipt is then owed by that session). */
    private static final class Waiting {
        final CompletableFuture<ReceiptStatus> receipt = new CompletableFuture<>();
        volatile boolean sent;
    }

    RelayReceipts(RequestRouter requests, Duration requestTimeout) {
        this.requests = requests;
        this.requestTimeout = requestTimeout;
    }

    CompletableFuture<ReceiptStatus> send(String to, Payload payload) {
        String ackId = "j" + lastAckId.incrementAndGet() + idSuffix;
        String key = key(to, ackId);
        Waiting w = new Waiting();
        waiting.put(key, w);
        FieldsMessage msg = new FieldsMessage("relay.send").put("to", to).put("ack_id", ackId).payload(payload);
        requests.send(msg, requestTimeout, null).whenComplete((answer, e) -> {
            if (e == null) {
                w.sent = true;
            } else if (waiting.remove(key, w)) {
                w.receipt.completeExceptionally(Futures.unwrap(e));
            }
        });
        return w.receipt;
    }

    /** A {@code relay.receipt} event (on the I/O thread). */
    void onReceipt(JsonNode event) {
        Waiting w = waiting.remove(key(event.path("to").asString(""), event.path("ack_id").asString("")));
        if (w != null) {
            w.receipt.complete("acknowledged".equals(event.path("status").asString("")) ? ReceiptStatus.ACKNOWLEDGED : ReceiptStatus.UNDELIVERED);
        }
    }

    /**
     * Acknowledges a message that asked for a receipt, once it was handed to the listeners. When
     * the connection drops with the acknowledgement unanswered, it is sent once more after the
     * reconnect (the message is not replayed to be acknowledged again); a second one for a message
     * already acknowledged is refused and ignored.
     */
    void acknowledge(PeerMessage message) {
        sendAck(message).exceptionally(e -> {
            if (Futures.unwrap(e) instanceof ConnectionClosedException) {
                sendAck(message).exceptionally(again -> null);
            }
            return null;
        });
    }

    private CompletableFuture<Answer> sendAck(PeerMessage message) {
        FieldsMessage ack = new FieldsMessage("relay.ack").put("from", message.from()).put("ack_id", message.ackId());
        return requests.send(ack, requestTimeout, null);
    }

    /** The session ended (lost on a reconnect, or the client stopped): receipts it was owed will not come. */
    void sessionEnded(SwitchboardException why) {
        // A send still unanswered goes out on the next session, or fails by itself.
        failSent(why);
    }

    /** The server dropped events of this session (a gap): a receipt may have been among them. */
    void eventsLost() {
        failSent(new SwitchboardException("gap", "the server dropped events of this session; the receipt may have been one of them"));
    }

    private void failSent(SwitchboardException why) {
        for (Map.Entry<String, Waiting> e : waiting.entrySet()) {
            Waiting w = e.getValue();
            if (w.sent && waiting.remove(e.getKey(), w)) {
                w.receipt.completeExceptionally(why);
            }
        }
    }

    private static String key(String to, String ackId) {
        return to + ' ' + ackId;
    }
}
