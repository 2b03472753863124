package dev.switchboard.cluster.relay;

import dev.switchboard.core.relay.PeerEndpoint;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.PayloadFields;
import dev.switchboard.protocol.json.ProtocolJson;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
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

    /**
     * Subscribes {@code nodeSubject}: each message is handed to the endpoint {@code localEndpoint}
     * names for its peer id on this node (null: the peer is not here).
     */
    PeerMessages(Connection nats, String nodeSubject, Function<String, PeerEndpoint> localEndpoint) {
        this.nats = nats;
        this.localEndpoint = localEndpoint;
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

    static byte[] encode(String to, String from, Payload payload) {
        byte[] t = to.getBytes(StandardCharsets.UTF_8);
        byte[] f = from.getBytes(StandardCharsets.UTF_8);
        if (t.length > 0xFFFF || f.length > 0xFFFF) throw new IllegalArgumentException("peer id over 65535 bytes");
        ByteBuffer b = ByteBuffer.allocate(1 + 2 + t.length + 2 + f.length + payload.size());
        b.put((byte) payload.kind().ordinal()).putShort((short) t.length).put(t).putShort((short) f.length).put(f);
        b.put(payload.toByteArray());
        return b.array();
    }

    /** A decoded message, or null when the bytes are not one. */
    static Decoded decode(byte[] data) {
        if (data == null || data.length < 5) return null;
        ByteBuffer b = ByteBuffer.wrap(data);
        int kind = b.get() & 0xFF;
        if (kind >= KINDS.length) return null;
        int toLength = b.getShort() & 0xFFFF;
        if (b.remaining() < toLength + 2) return null;
        String to = new String(data, b.position(), toLength, StandardCharsets.UTF_8);
        b.position(b.position() + toLength);
        int fromLength = b.getShort() & 0xFFFF;
        if (b.remaining() < fromLength) return null;
        String from = new String(data, b.position(), fromLength, StandardCharsets.UTF_8);
        b.position(b.position() + fromLength);
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        Payload payload = switch (KINDS[kind]) {
            case TEXT -> Payload.of(bytes);
            case BINARY -> Payload.binary(bytes);
            // A JSON payload was written by the protocol's mapper; parsing it again gives the same value.
            case JSON -> PayloadFields.fromValue(ProtocolJson.MAPPER.readValue(bytes, Object.class));
        };
        return new Decoded(to, from, payload);
    }

    record Decoded(String to, String from, Payload payload) {
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
        PeerEndpoint endpoint = localEndpoint.apply(d.to());
        if (endpoint == null || !endpoint.deliver(d.from(), d.payload())) dropped.incrementAndGet();
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
            try {
                nats.publish(subject, encode(peerId, fromPeerId, payload));
                return true;
            } catch (RuntimeException e) {
                LOG.debug("publishing a direct message to {} failed", subject, e);
                return false;
            }
        }
    }
}
