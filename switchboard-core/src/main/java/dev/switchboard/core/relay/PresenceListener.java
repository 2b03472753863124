package dev.switchboard.core.relay;

/**
 * Receives the comings and goings of the peers a watch names. Calls for one watch are made one at
 * a time, in the order the changes happened in the directory; they must only queue (bounded) and
 * return, never block or call back into the directory.
 */
public interface PresenceListener {
    /** The peer is reachable: it registered, or it was already online when the watch began. */
    void online(String peerId);

    /** The peer's last registration ended. A newest-wins replacement is not an offline moment. */
    void offline(String peerId);

    /**
     * Asked for by {@link PeerDirectory.Watch#resync()}: the watched peers online now, replacing
     * whatever the listener knew; later changes follow as usual.
     */
    void resynced(java.util.List<String> online);
}
