package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShardingTest {
    @Test
    void matchesTheDflockdClients() {
        // Cross-language values from the dflockd reference: crc32("my-key") = 3605215937,
        // crc32("deploy-job") = 2526400174.
        assertThat(Sharding.index("my-key", 2)).isEqualTo(1);
        assertThat(Sharding.index("my-key", 3)).isEqualTo(2);
        assertThat(Sharding.index("deploy-job", 2)).isEqualTo(0);
        assertThat(Sharding.index("deploy-job", 3)).isEqualTo(1);
        assertThat(Sharding.index("anything", 1)).isZero();
    }

    @Test
    void spreadPutsWorkersOnTheServersInTurnWhateverTheirKeys() {
        List<ServerAddress> three = ServerAddress.parseList("127.0.0.1:1,127.0.0.1:2,127.0.0.1:3");
        LockBenchmark.Settings byKey = settings(three, false, false);
        LockBenchmark.Settings spreadOnOneKey = settings(three, true, true);
        LockBenchmark.Settings sharedByKey = settings(three, true, false);

        // By key: worker i goes where crc32("k_i") % 3 says, as a dflockd client would.
        for (int i = 0; i < 6; i++) {
            assertThat(byKey.serverFor(i)).isEqualTo(three.get(Sharding.index("k_" + i, 3)));
        }
        // One shared key without spread: every worker on the key's one server.
        assertThat(List.of(sharedByKey.serverFor(0), sharedByKey.serverFor(1), sharedByKey.serverFor(2)))
                .containsOnly(three.get(Sharding.index("k", 3)));
        // Spread: round-robin, even on one key.
        assertThat(List.of(spreadOnOneKey.serverFor(0), spreadOnOneKey.serverFor(1), spreadOnOneKey.serverFor(2),
                spreadOnOneKey.serverFor(3))).containsExactly(three.get(0), three.get(1), three.get(2), three.get(0));
    }

    private static LockBenchmark.Settings settings(List<ServerAddress> servers, boolean sharedKey, boolean spread) {
        return new LockBenchmark.Settings(LocksCommand.Protocol.dflockd, servers, 4, 1, 0, Duration.ZERO, Duration.ZERO, "k", sharedKey, false,
                spread, LockBenchmark.ClientLoop.own, true, Duration.ZERO, 10, 30, null, Duration.ofSeconds(1), Duration.ofSeconds(10), 0);
    }

    @Test
    void parsesServerLists() {
        assertThat(ServerAddress.parseList("127.0.0.1:6388, localhost:7000"))
                .containsExactly(new ServerAddress("127.0.0.1", 6388), new ServerAddress("localhost", 7000));
        assertThat(ServerAddress.parse("[::1]:6388")).isEqualTo(new ServerAddress("::1", 6388));
        assertThat(List.of(ServerAddress.parse("[::1]:6388").toString())).containsExactly("[::1]:6388");
        assertThatThrownBy(() -> ServerAddress.parse("nohost")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ServerAddress.parse("h:99999")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ServerAddress.parseList(" , ")).isInstanceOf(IllegalArgumentException.class);
    }
}
