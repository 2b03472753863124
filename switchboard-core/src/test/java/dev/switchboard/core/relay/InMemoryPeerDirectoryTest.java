package dev.switchboard.core.relay;

/** The node's own directory against the contract every engine must keep. */
class InMemoryPeerDirectoryTest extends PeerDirectoryContract {
    @Override
    protected PeerDirectory newDirectory(int maxPeers, int maxWatchedIds) {
        return new InMemoryPeerDirectory(maxPeers, maxWatchedIds);
    }
}
