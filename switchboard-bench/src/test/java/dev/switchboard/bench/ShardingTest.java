package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
