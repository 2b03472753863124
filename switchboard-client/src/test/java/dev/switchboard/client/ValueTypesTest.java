package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ValueTypesTest {
    @Test
    void fenceIsTheFirstSixteenHexDigitsAsUnsigned() {
        String token = "ffffffffffffffff0123456789abcdef";
        assertThat(Grant.fenceOf(token)).isEqualTo(-1L);
        assertThat(Long.toUnsignedString(Grant.fenceOf(token))).isEqualTo("18446744073709551615");
        Grant g = new Grant(Resource.lock("k"), "00000000000000ff0123456789abcdef", Duration.ofSeconds(3));
        assertThat(g.fence()).isEqualTo(255L);
    }

    @Test
    void keysAreValidatedBeforeTheyReachTheServer() {
        assertThatThrownBy(() -> Resource.lock("has space")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Resource.lock("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Resource.lock("x".repeat(257))).isInstanceOf(IllegalArgumentException.class);
        assertThat(Resource.lock("x".repeat(256)).key()).hasSize(256);
        assertThatThrownBy(() -> Resource.semaphore("s", 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void lockAndSemaphoreOfOneKeyAreDifferentResources() {
        assertThat(Resource.lock("k")).isNotEqualTo(Resource.semaphore("k", 1));
        assertThat(Resource.semaphore("k", 2)).isEqualTo(Resource.semaphore("k", 2));
        assertThat(Resource.Kind.SEMAPHORE.op("acquire")).isEqualTo("sem.acquire");
        assertThat(Resource.Kind.LOCK.op("wait")).isEqualTo("lock.wait");
    }
}
