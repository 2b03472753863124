package dev.switchboard.cluster.relay;

import dev.switchboard.core.relay.PeerEndpoint;
import dev.switchboard.core.relay.Receipt;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.PayloadFields;
import dev.switchboard.protocol.json.ProtocolJson;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Direct messages between nodes on NATS. Each node subscribes one subject, {@code <prefix>.node.<node id>};
 * a sender publishes there, to the node the directory's cache names, with no lookup round trip.
 * The message is {@code [u8 kind][u16 BE to length][to][u16 BE from length][from][payload]}
 * (ids in UTF-8): the payload's bytes follow as they are, and its kind keeps how a JSON client
 * sees it.
 *
 * <p>A message asking for a receipt carries its ack id and, as its NATS reply subject, the
 * sender's node's subject, where the receiving node sends the receipt ({@link PeerReceipts}).
 *
 * <p>At most once: NATS does not tell a publisher whether anyone got the message. A message for a
 * peer no longer on the receiving node (it left or moved between the sender's lookup and the
 * delivery) is dropped there and counted ({@link #dropped()}).
 */
final class PeerMessages implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PeerMessages.class);
    private static final Payload.Kind[] KINDS = Payload.Kind.values();

    private final Connection nats;
    private final Function<String, PeerEndpoint> localEndpoint;
    private final Dispatcher dispatcher;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final PeerReceipts receipts;

    /**
     * Subscribes {@code nodeSubject}: each message is handed to the endpoint {@code localEndpoint}
     * names for its peer id on this node (null: the peer is not here).
     */
    PeerMessages(Connection nats, String nodeSubject, Function<String, PeerEndpoint> localEndpoint,
                 ScheduledExecutorService scheduler, Duration receiptGrace) {
        this.nats = nats;
        this.localEndpoint = localEndpoint;
        this.receipts = new PeerReceipts(this, nodeSubject, scheduler, receiptGrace);
        this.dispatcher = nats.createDispatcher(this::received);
        dispatcher.subscribe(nodeSubject);
    }

    /** The endpoint of peer {@code peerId} on the node subscribed to {@code nodeSubject}. */
    PeerEndpoint remote(String nodeSubject, String peerId) {
        return new RemoteEndpoint(nodeSubject, peerId);
    }

    /** Messages that reached this node for a peer no longer here. */
    long dropped() {
        return dropped.get();
    }

    /** Messages on this node's subject that were not direct messages (not Switchboard's, or cut). */
    long malformed() {
        return malformed.get();
    }

    /** The first byte's high nibble: what the message is. Its low nibble is the payload's kind, or a receipt's status. */
    static final int PLAIN = 0x00;
    /** A message asking for a receipt: its ack id follows the sender's id; the NATS reply subject is the sender's node's. */
    static final int ASKS_RECEIPT = 0x10;
    /** A receipt, to the sender's node: to, from and ack id name the message; the low nibble is its status. */
    static final int RECEIPT = 0x20;
    /** The sender went, to the receiver's node: no receipt is wanted for the message to, from and ack id name. */
    static final int FORGET = 0x30;
    private static final Receipt.Status[] STATUSES = Receipt.Status.values();

    static byte[] encode(String to, String from, Payload payload) {
        return encode(PLAIN | payload.kind().ordinal(), to, from, null, payload);
    }

    static byte[] encodeAskingReceipt(String to, String from, String ackId, Payload payload) {
        return encode(ASKS_RECEIPT | payload.kind().ordinal(), to, from, ackId, payload);
    }

    static byte[] encodeReceipt(String to, String from, String ackId, Receipt.Status status) {
        return encode(RECEIPT | status.ordinal(), to, from, ackId, null);
    }

    static byte[] encodeForget(String to, String from, String ackId) {
        return encode(FORGET, to, from, ackId, null);
    }

    private static byte[] encode(int first, String to, String from, String ackId, Payload payload) {
        byte[] t = to.getBytes(StandardCharsets.UTF_8);
        byte[] f = from.getBytes(StandardCharsets.UTF_8);
        byte[] a = ackId == null ? null : ackId.getBytes(StandardCharsets.UTF_8);
        if (t.length > 0xFFFF || f.length > 0xFFFF || (a != null && a.length > 0xFFFF)) {
            throw new IllegalArgumentException("peer id or ack id over 65535 bytes");
        }
        byte[] body = payload == null ? new byte[0] : payload.toByteArray();
        ByteBuffer b = ByteBuffer.allocate(1 + 2 + t.length + 2 + f.length + (a == null ? 0 : 2 + a.length) + body.length);
        b.put((byte) first).putShort((short) t.length).put(t).putShort((short) f.length).put(f);
        if (a != null) b.putShort((short) a.length).put(a);
        b.put(body);
        return b.array();
    }

    /** A decoded message, or null when the bytes are not one. */
    static Decoded decode(byte[] data) {
        if (data == null || data.length < 5) return null;
        ByteBuffer b = ByteBuffer.wrap(data);
        int first = b.get() & 0xFF;
        int type = first & 0xF0;
        int low = first & 0x0F;
        if (type > FORGET) return null;
        if ((type == PLAIN || type == ASKS_RECEIPT) && low >= KINDS.length) return null;
        if (type == RECEIPT && low >= STATUSES.length) return null;
        String to = string(b);
        String from = to == null ? null : string(b);
        if (from == null) return null;
        String ackId = null;
        if (type != PLAIN) {
            ackId = string(b);
            if (ackId == null) return null;
        }
        if (type == RECEIPT || type == FORGET) {
            return new Decoded(type, to, from, ackId, null, type == RECEIPT ? STATUSES[low] : null);
        }
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        Payload payload = switch (KINDS[low]) {
            case TEXT -> Payload.of(bytes);
            case BINARY -> Payload.binary(bytes);
            // A JSON payload was written by the protocol's mapper; parsing it again gives the same value.
            case JSON -> PayloadFields.fromValue(ProtocolJson.MAPPER.readValue(bytes, Object.class));
        };
        return new Decoded(type, to, from, ackId, payload, null);
    }

    /** A u16-length-prefixed UTF-8 string, or null when the bytes are too few. */
    private static String string(ByteBuffer b) {
        if (b.remaining() < 2) return null;
        int length = b.getShort() & 0xFFFF;
        if (b.remaining() < length) return null;
        String s = new String(b.array(), b.position(), length, StandardCharsets.UTF_8);
        b.position(b.position() + length);
        return s;
    }

    /**
     * @param type    {@link #PLAIN}, {@link #ASKS_RECEIPT}, {@link #RECEIPT} or {@link #FORGET}
     * @param ackId   null for a plain message
     * @param payload null for a receipt or a forget
     * @param status  a receipt's status; null otherwise
     */
    record Decoded(int type, String to, String from, String ackId, Payload payload, Receipt.Status status) {
    }

    private void received(Message m) {
        Decoded d;
        try {
            d = decode(m.getData());
        } catch (RuntimeException e) {
            d = null;
        }
        if (d == null) {
            malformed.incrementAndGet();
            LOG.debug("dropped a message on {} that is not a direct message", m.getSubject());
            return;
        }
        switch (d.type()) {
            case RECEIPT -> receipts.receipt(d.to(), d.from(), d.ackId(), d.status());
            case FORGET -> receipts.forget(d.to(), d.from(), d.ackId());
            case ASKS_RECEIPT -> {
                if (!receipts.deliver(localEndpoint.apply(d.to()), d, m.getReplyTo())) dropped.incrementAndGet();
            }
            default -> {
                PeerEndpoint endpoint = localEndpoint.apply(d.to());
                if (endpoint == null || !endpoint.deliver(d.from(), d.payload())) dropped.incrementAndGet();
            }
        }
    }

    /** Publishes {@code body} to {@code subject} with {@code replyTo}; false when the connection cannot take it. */
    boolean publish(String subject, String replyTo, byte[] body) {
        try {
            nats.publish(subject, replyTo, body);
            return true;
        } catch (RuntimeException e) {
            LOG.debug("publishing a direct message to {} failed", subject, e);
            return false;
        }
    }

    /**
     * The peer {@code peerId} is no longer on the node subscribed to {@code nodeSubject} (it left,
     * moved, or the node's lease ran out): receipts still awaited from there are undelivered.
     */
    void peerLeft(String nodeSubject, String peerId) {
        receipts.peerLeft(nodeSubject, peerId);
    }

    /** Receipt-asking messages sent from this node still awaiting their receipt from another (for leak checks). */
    int awaitingReceipts() {
        return receipts.awaiting();
    }

    @Override
    public void close() {
        try {
            nats.closeDispatcher(dispatcher);
        } catch (RuntimeException e) {
            LOG.debug("closing the direct-message subscription failed (the connection is gone)", e);
        }
    }

    /** A peer on another node: its messages are published to that node's subject, its id inside. */
    private final class RemoteEndpoint implements PeerEndpoint {
        private final String subject;
        private final String peerId;

        RemoteEndpoint(String subject, String peerId) {
            this.subject = subject;
            this.peerId = peerId;
        }

        @Override
        public void displaced(String peerId) {
            // Only a node's own endpoints are displaced; a remote one is simply replaced in the cache.
        }

        /**
         * Publishes without waiting (NATS buffers it); false when the connection cannot take it
         * (closed, or the message over the server's max_payload), which the sender hears as the
         * peer not found.
         */
        @Override
        public boolean deliver(String fromPeerId, Payload payload) {
            return publish(subject, null, encode(peerId, fromPeerId, payload));
        }

        @Override
        public Runnable deliverAskingReceipt(String fromPeerId, Payload payload, String ackId,
                                             Consumer<Receipt.Status> outcome) {
            return receipts.send(subject, peerId, fromPeerId, ackId, payload, outcome);
        }
    }
}
