package dev.switchboard.core.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The node's own directory against the contract every engine must keep, and what is particular to it. */
class InMemoryPeerDirectoryTest extends PeerDirectoryContract {
    @Override
    protected PeerDirectory newDirectory(int maxPeers, int maxWatchedIds) {
        return new InMemoryPeerDirectory(maxPeers, maxWatchedIds);
    }

    @Test
    void boundsOfZeroMeanNoBound() {
        PeerDirectory dir = newDirectory(0, 0);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            ids.add("p" + i);
            assertThat(dir.register("p" + i, new Endpoint())).isInstanceOf(PeerDirectory.Claim.class);
        }
        Events events = new Events();
        assertThat(dir.watch(ids, events)).isInstanceOf(PeerDirectory.Watch.class);
        assertThat(dir.size()).isEqualTo(5_000);
        assertThat(events.seen).hasSize(5_000);
    }
}
