package dev.switchboard.cluster.relay;

import dev.switchboard.core.relay.PeerEndpoint;
import dev.switchboard.core.relay.Receipt;
import dev.switchboard.protocol.Payload;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Receipts ({@code ack_id}) of direct messages whose sender and receiver are on different nodes.
 *
 * <p><b>On the sender's node</b> each such message awaits its receipt here, by receiver peer id,
 * until the receiver's node sends it ({@link PeerMessages#RECEIPT}, when the receiving session
 * acknowledges it or ends), or until the receiver is gone from the node it was sent to: when this
 * node's directory sees the peer leave that node (its key deleted, or naming another node — also
 * when the node died and its etcd lease ran out), the messages sent to it there before that are
 * undelivered after {@code grace}, unless their receipt came meanwhile (it may be on its way on
 * NATS while etcd's news of the peer leaving arrives first). When the sender's session ends, its
 * messages are forgotten here and the receiving node is told ({@link PeerMessages#FORGET}).
 *
 * <p><b>On the receiver's node</b> each such message is handed to the local endpoint with an
 * outcome that publishes the receipt to the sender's node; a message for a peer no longer here
 * is answered undelivered at once.
 *
 * <p>Bounded by the core's books: an entry on the sender's side exists only while the sender's
 * {@code --relay-max-unacknowledged} entry does; one on the receiver's side only while the
 * receiving session's entry does.
 */
final class PeerReceipts {
    private final PeerMessages messages;
    private final String ownSubject;
    private final ScheduledExecutorService scheduler;
    private final Duration grace;
    /** Sender's side: by receiver peer id, the messages sent to it awaiting their receipt. */
    private final Map<String, Map<Sent, Awaiting>> awaiting = new ConcurrentHashMap<>();
    /** Receiver's side: the messages taken here for a sender elsewhere, each with the handle that forgets it. */
    private final Map<Received, Forgetter> received = new ConcurrentHashMap<>();

    private record Sent(String from, String ackId) {
    }

    private record Awaiting(String nodeSubject, long sentNanos, Consumer<Receipt.Status> outcome) {
    }

    private record Received(String to, String from, String ackId) {
    }

    /** The core's handle that forgets a received message; set once the core has taken it. */
    private static final class Forgetter {
        private Runnable forget;
        private boolean forgotten;

        synchronized void set(Runnable f) {
            forget = f;
            if (forgotten) f.run();
        }

        synchronized void run() {
            forgotten = true;
            if (forget != null) forget.run();
        }
    }

    PeerReceipts(PeerMessages messages, String ownSubject, ScheduledExecutorService scheduler, Duration grace) {
        this.messages = messages;
        this.ownSubject = ownSubject;
        this.scheduler = scheduler;
        this.grace = grace;
    }

    // ---- the sender's side ----------------------------------------------------------------------

    /** Publishes a receipt-asking message to {@code to} on the node of {@code nodeSubject}; the forget handle, or null when it cannot go. */
    Runnable send(String nodeSubject, String to, String from, String ackId, Payload payload, Consumer<Receipt.Status> outcome) {
        Sent key = new Sent(from, ackId);
        Awaiting a = new Awaiting(nodeSubject, System.nanoTime(), outcome);
        awaiting.computeIfAbsent(to, k -> new ConcurrentHashMap<>()).put(key, a);
        if (!messages.publish(nodeSubject, ownSubject, PeerMessages.encodeAskingReceipt(to, from, ackId, payload))) {
            take(to, key, a);
            return null;
        }
        return () -> {
            if (take(to, key, a)) messages.publish(nodeSubject, null, PeerMessages.encodeForget(to, from, ackId));
        };
    }

    /** The receiver's node sent the receipt of the message {@code from} sent {@code to} as {@code ackId}. */
    void receipt(String to, String from, String ackId, Receipt.Status status) {
        Map<Sent, Awaiting> sent = awaiting.get(to);
        Awaiting a = sent == null ? null : sent.get(new Sent(from, ackId));
        if (a != null && take(to, new Sent(from, ackId), a)) a.outcome().accept(status);
    }

    /** See the class comment: what was sent to {@code peerId} on that node before now is undelivered after the grace. */
    void peerLeft(String nodeSubject, String peerId) {
        if (!awaiting.containsKey(peerId)) return;
        long leftAt = System.nanoTime();
        scheduler.schedule(() -> sweep(nodeSubject, peerId, leftAt), grace.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void sweep(String nodeSubject, String peerId, long leftAt) {
        Map<Sent, Awaiting> sent = awaiting.get(peerId);
        if (sent == null) return;
        for (Map.Entry<Sent, Awaiting> e : List.copyOf(sent.entrySet())) {
            Awaiting a = e.getValue();
            if (a.nodeSubject().equals(nodeSubject) && a.sentNanos() - leftAt <= 0 && take(peerId, e.getKey(), a)) {
                a.outcome().accept(Receipt.Status.UNDELIVERED);
            }
        }
    }

    /** Takes the entry {@code a} out; false when it was gone (answered, swept or forgotten already). */
    private boolean take(String to, Sent key, Awaiting a) {
        boolean[] taken = {false};
        awaiting.computeIfPresent(to, (k, sent) -> {
            taken[0] = sent.remove(key, a);
            return sent.isEmpty() ? null : sent;
        });
        return taken[0];
    }

    int awaiting() {
        int n = 0;
        for (Map<Sent, Awaiting> sent : awaiting.values()) n += sent.size();
        return n;
    }

    // ---- the receiver's side --------------------------------------------------------------------

    /**
     * A receipt-asking message for {@code endpoint} (null: the peer is not here); the receipt goes
     * to {@code senderSubject}. False (and the sender told undelivered) when it could not be taken.
     */
    boolean deliver(PeerEndpoint endpoint, PeerMessages.Decoded d, String senderSubject) {
        if (senderSubject == null || senderSubject.isEmpty()) return false; // nobody to tell: not one of ours
        Received key = new Received(d.to(), d.from(), d.ackId());
        Forgetter f = new Forgetter();
        received.put(key, f);
        Runnable forget = endpoint == null ? null : endpoint.deliverAskingReceipt(d.from(), d.payload(), d.ackId(), status -> {
            received.remove(key, f);
            tell(senderSubject, d, status);
        });
        if (forget == null) {
            received.remove(key, f);
            tell(senderSubject, d, Receipt.Status.UNDELIVERED);
            return false;
        }
        f.set(forget);
        return true;
    }

    /** The sender went: the message needs no receipt any more. */
    void forget(String to, String from, String ackId) {
        Forgetter f = received.remove(new Received(to, from, ackId));
        if (f != null) f.run();
    }

    private void tell(String senderSubject, PeerMessages.Decoded d, Receipt.Status status) {
        messages.publish(senderSubject, null, PeerMessages.encodeReceipt(d.to(), d.from(), d.ackId(), status));
    }
}
