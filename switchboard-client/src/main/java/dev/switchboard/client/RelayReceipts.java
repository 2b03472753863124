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
 * fails (and forgets) its future. A session that ends forgets its receipts on the server, so the
 * futures still waiting fail with the reason it ended.
 */
final class RelayReceipts {
    private final RequestRouter requests;
    private final Duration requestTimeout;
    private final Map<String, CompletableFuture<ReceiptStatus>> waiting = new ConcurrentHashMap<>();
    private final AtomicLong lastAckId = new AtomicLong();
    /** Tells this client's ack ids apart from an earlier client's in the same session (a resumed one). */
    private final String idSuffix = "." + Long.toString(System.currentTimeMillis(), 36);

    RelayReceipts(RequestRouter requests, Duration requestTimeout) {
        this.requests = requests;
        this.requestTimeout = requestTimeout;
    }

    CompletableFuture<ReceiptStatus> send(String to, Payload payload) {
        String ackId = "j" + lastAckId.incrementAndGet() + idSuffix;
        String key = key(to, ackId);
        CompletableFuture<ReceiptStatus> receipt = new CompletableFuture<>();
        waiting.put(key, receipt);
        FieldsMessage msg = new FieldsMessage("relay.send").put("to", to).put("ack_id", ackId).payload(payload);
        requests.send(msg, requestTimeout, null).whenComplete((answer, e) -> {
            if (e != null && waiting.remove(key, receipt)) {
                receipt.completeExceptionally(Futures.unwrap(e));
            }
        });
        return receipt;
    }

    /** A {@code relay.receipt} event (on the I/O thread). */
    void onReceipt(JsonNode event) {
        CompletableFuture<ReceiptStatus> receipt = waiting.remove(key(event.path("to").asString(""), event.path("ack_id").asString("")));
        if (receipt != null) {
            receipt.complete("acknowledged".equals(event.path("status").asString("")) ? ReceiptStatus.ACKNOWLEDGED : ReceiptStatus.UNDELIVERED);
        }
    }

    /** Acknowledges a message that asked for a receipt, once it was handed to the listeners. */
    void acknowledge(PeerMessage message) {
        FieldsMessage ack = new FieldsMessage("relay.ack").put("from", message.from()).put("ack_id", message.ackId());
        // Failing means the session or connection went: the sender then gets "undelivered".
        requests.send(ack, requestTimeout, null).exceptionally(e -> null);
    }

    /** The session ended (lost on a reconnect, or the client stopped): its receipts will not come. */
    void sessionEnded(SwitchboardException why) {
        for (Map.Entry<String, CompletableFuture<ReceiptStatus>> e : waiting.entrySet()) {
            if (waiting.remove(e.getKey(), e.getValue())) {
                e.getValue().completeExceptionally(why);
            }
        }
    }

    private static String key(String to, String ackId) {
        return to + ' ' + ackId;
    }
}
