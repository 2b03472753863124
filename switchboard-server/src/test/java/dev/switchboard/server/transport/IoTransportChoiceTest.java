package dev.switchboard.server.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** What each --io-transport value picks, with epoll's native library loading or not. */
class IoTransportChoiceTest {
    @Test
    void autoTakesEpollWhereItLoadsAndNioElsewhere() {
        assertThat(IoTransport.choose("auto", () -> true)).isEqualTo(IoTransport.EPOLL);
        assertThat(IoTransport.choose("auto", () -> false)).isEqualTo(IoTransport.NIO);
        assertThat(IoTransport.choose(" NIO ", () -> true)).isEqualTo(IoTransport.NIO);
        assertThat(IoTransport.choose("epoll", () -> true)).isEqualTo(IoTransport.EPOLL);
    }

    @Test
    void epollWhereItDoesNotLoadIsRefusedNamingTheOptionAndTheWayOut() {
        assertThatThrownBy(() -> IoTransport.choose("epoll", () -> false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--io-transport epoll is not available on this machine")
                .hasMessageContaining("use auto or nio");
    }
}
