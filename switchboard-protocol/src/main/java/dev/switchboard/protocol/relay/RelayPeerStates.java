package dev.switchboard.protocol.relay;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The four peer-state messages, one layout: {@code 01 type | N × peer id (36)} with
 * 1 ≤ N ≤ {@link #MAX_IDS_PER_MESSAGE}. SubscribePeerState (0x08) and UnsubscribePeerState (0x09)
 * come from clients; PeersOnline (0x0A) and PeersWentOffline (0x0B) from the server. A longer list
 * goes out as several messages ({@link #chunked}), as the original sends it.
 */
public record RelayPeerStates(RelayMessageType type, List<RelayPeerId> peerIds) implements RelayMessage {
    /** {@code (8820 − 2) / 36}: as many ids as fit in the original's message buffer. */
    public static final int MAX_IDS_PER_MESSAGE = (RelayTransport.MAX_BYTES - RelayMessageType.HEADER_BYTES) / RelayPeerId.BYTES;

    private static final Set<RelayMessageType> TYPES = EnumSet.of(RelayMessageType.SUBSCRIBE_PEER_STATE,
            RelayMessageType.UNSUBSCRIBE_PEER_STATE, RelayMessageType.PEERS_ONLINE, RelayMessageType.PEERS_WENT_OFFLINE);

    public RelayPeerStates {
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException(type + " is not a peer-state message");
        }
        if (peerIds.isEmpty() || peerIds.size() > MAX_IDS_PER_MESSAGE) {
            throw new IllegalArgumentException("a peer-state message holds 1 to " + MAX_IDS_PER_MESSAGE + " ids, not " + peerIds.size()
                    + " (use chunked)");
        }
        peerIds = List.copyOf(peerIds);
    }

    /** {@code peerIds} as messages of {@code type} of at most {@link #MAX_IDS_PER_MESSAGE} ids each, in order. */
    public static List<RelayPeerStates> chunked(RelayMessageType type, List<RelayPeerId> peerIds) {
        if (peerIds.isEmpty()) {
            throw new IllegalArgumentException("a peer-state message needs at least one id");
        }
        List<RelayPeerStates> messages = new ArrayList<>();
        for (int from = 0; from < peerIds.size(); from += MAX_IDS_PER_MESSAGE) {
            messages.add(new RelayPeerStates(type, peerIds.subList(from, Math.min(peerIds.size(), from + MAX_IDS_PER_MESSAGE))));
        }
        return messages;
    }

    @Override
    public void encode(ByteBuf out) {
        RelayMessage.writeHeader(type, out);
        for (RelayPeerId id : peerIds) {
            id.writeTo(out);
        }
    }

    static RelayPeerStates decode(RelayMessageType type, ByteBuf frame) throws RelayProtocolException {
        int idBytes = frame.writerIndex() - RelayMessageType.HEADER_BYTES;
        if (idBytes == 0 || idBytes % RelayPeerId.BYTES != 0) {
            throw new RelayProtocolException(RelayProtocolException.Reason.BAD_ID_LIST,
                    "a peer-state message holds a whole, non-zero number of " + RelayPeerId.BYTES + "-byte ids, not " + idBytes + " bytes");
        }
        int count = idBytes / RelayPeerId.BYTES;
        // Checked before anything is allocated for the ids.
        if (count > MAX_IDS_PER_MESSAGE) {
            throw new RelayProtocolException(RelayProtocolException.Reason.TOO_MANY_IDS,
                    "a peer-state message holds at most " + MAX_IDS_PER_MESSAGE + " ids, not " + count);
        }
        List<RelayPeerId> ids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ids.add(RelayPeerId.read(frame, RelayMessageType.HEADER_BYTES + i * RelayPeerId.BYTES));
        }
        return new RelayPeerStates(type, ids);
    }
}
