package dev.switchboard.core.relay;

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
}
