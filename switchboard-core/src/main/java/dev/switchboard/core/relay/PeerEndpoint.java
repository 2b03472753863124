package dev.switchboard.core.relay;

import dev.switchboard.protocol.Payload;

/**
 * Where a peer id currently leads: a session on this node or, in a cluster, a proxy for a
 * session on another. The relay feature sends to it; the directory only maps ids to it.
 */
public interface PeerEndpoint {
    /**
     * Another registration took this peer id (newest wins): the endpoint is no longer reachable
     * under it. Called once, without the directory's lock held; the endpoint should tell its
     * client why (a typed close reason) rather than vanish silently.
     */
    void displaced(String peerId);

    /**
     * Hands a direct message from {@code fromPeerId} to the peer. Never blocks: the message is
     * queued for the peer's connection (a peer too far behind is cut as a slow consumer, as for
     * any event). Returns false when the peer can no longer take it (it has just gone).
     */
    boolean deliver(String fromPeerId, Payload payload);

    /**
     * Hands a direct message asking for a receipt ({@code ack_id}) to the peer, where the sender's
     * and the receiver's sessions are on different nodes: the receipt's status goes to
     * {@code outcome} exactly once (acknowledged, or undelivered when the receiving session ends
     * first or, on the sender's node, when the receiver's node is gone), from any thread. Never blocks.
     *
     * @return forgets the message (its sender's session ended: no outcome is wanted any more), or
     *         null when the peer cannot take it (it has just gone, or this endpoint asks for no receipts)
     */
    default Runnable deliverAskingReceipt(String fromPeerId, Payload payload, String ackId,
                                          java.util.function.Consumer<Receipt.Status> outcome) {
        return null;
    }
}
