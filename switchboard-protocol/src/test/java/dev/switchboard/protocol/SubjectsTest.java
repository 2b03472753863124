package dev.switchboard.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SubjectsTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "a.b.c", "*", ">", "a.*", "a.>", "*.b", "a.*.c", "*.*", "*.>", "orders.eu-west.#1"})
    void validPatterns(String pattern) {
        assertThat(Subjects.patternError(pattern)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a.>.b", ">.a", "fo*", "a.b*", "*a", "a.>b", "a>", ".a", "a.", "a..b", ".", ".."})
    void invalidPatterns(String pattern) {
        assertThat(Subjects.patternError(pattern)).isNotNull();
    }

    @Test
    void emptyPatternIsInvalid() {
        assertThat(Subjects.patternError("")).isNotNull();
        assertThat(Subjects.patternError(null)).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "a.b", "a.b.c", "orders.eu-west.#1", "x_y-z"})
    void validChannels(String channel) {
        assertThat(Subjects.channelError(channel)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a.*", "*", ">", "a.>", "fo*", "a..b", ".a", "a.", "."})
    void invalidChannels(String channel) {
        assertThat(Subjects.channelError(channel)).isNotNull();
        assertThat(Subjects.channelError(null)).isNotNull();
    }
}
