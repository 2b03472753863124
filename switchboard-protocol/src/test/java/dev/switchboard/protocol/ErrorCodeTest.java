package dev.switchboard.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ErrorCodeTest {
    @Test
    void everyCodeIsFoundByItsWireName() {
        for (ErrorCode code : ErrorCode.values()) {
            assertThat(ErrorCode.fromWire(code.wire())).contains(code);
        }
    }

    @Test
    void anUnknownWireNameIsEmpty() {
        assertThat(ErrorCode.fromWire("some_future_code")).isEmpty();
        assertThat(ErrorCode.fromWire("NOT_HELD")).as("wire names are lowercase").isEmpty();
    }
}
