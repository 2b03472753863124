package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.protocol.ErrorCode;
import org.junit.jupiter.api.Test;

class ServerErrorsTest {
    @Test
    void errorCodesMapToTypedExceptions() {
        assertThat(ServerErrors.toException("not_held", "m")).isInstanceOf(NotHeldException.class)
                .extracting(SwitchboardException::code).isEqualTo("not_held");
        assertThat(ServerErrors.toException("lease_expired", "m")).isInstanceOf(LeaseExpiredException.class);
        assertThat(ServerErrors.toException("limit_mismatch", "m")).isInstanceOf(LimitMismatchException.class);
        assertThat(ServerErrors.toException("max_locks", "m")).isInstanceOf(MaxLocksException.class);
        assertThat(ServerErrors.toException("max_waiters", "m")).isInstanceOf(MaxWaitersException.class);
        assertThat(ServerErrors.toException("already_enqueued", "m")).isInstanceOf(AlreadyEnqueuedException.class);
        assertThat(ServerErrors.toException("not_enqueued", "m")).isInstanceOf(NotEnqueuedException.class);
        assertThat(ServerErrors.toException("already_waiting", "m")).isInstanceOf(AlreadyWaitingException.class);
        assertThat(ServerErrors.toException("unauthorized", "m")).isInstanceOf(UnauthorizedException.class);
        assertThat(ServerErrors.toException("draining", "m")).isInstanceOf(DrainingException.class);
        assertThat(ServerErrors.toException("invalid_argument", "m")).isInstanceOf(InvalidArgumentException.class);
        assertThat(ServerErrors.toException("peer_not_found", "m")).isInstanceOf(PeerNotFoundException.class);
        SwitchboardException other = ServerErrors.toException("some_future_code", "text");
        assertThat(other.getClass()).isEqualTo(SwitchboardException.class);
        assertThat(other.code()).isEqualTo("some_future_code");
        assertThat(other.getMessage()).contains("text");
    }

    @Test
    void everyServerCodeComesOutUnderItsOwnWireName() {
        for (ErrorCode code : ErrorCode.values()) {
            SwitchboardException e = ServerErrors.toException(code.wire(), "why");
            assertThat(e.code()).as("%s", code).isEqualTo(code.wire());
            assertThat(e.getMessage()).isEqualTo(code.wire() + ": why");
        }
    }
}
