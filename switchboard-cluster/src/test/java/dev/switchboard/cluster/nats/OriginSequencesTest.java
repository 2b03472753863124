package dev.switchboard.cluster.nats;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OriginSequencesTest {
    @Test
    void aCopyOfAPublicationAlreadySeenIsAnExtraCopy() {
        OriginSequences seen = new OriginSequences(10);
        assertThat(seen.firstCopy("a/1", 1)).isTrue();
        assertThat(seen.firstCopy("a/1", 1)).isFalse();
        assertThat(seen.firstCopy("b/1", 1)).as("origins are apart").isTrue();
        assertThat(seen.firstCopy("a/1", 2)).isTrue();
        assertThat(seen.firstCopy("a/1", 1)).isFalse();
    }

    @Test
    void pastTheBoundTheOriginHeardFromLeastRecentlyIsForgotten() {
        OriginSequences seen = new OriginSequences(2);
        seen.firstCopy("a/1", 5);
        seen.firstCopy("b/1", 5);
        seen.firstCopy("a/1", 6);
        seen.firstCopy("c/1", 5);

        assertThat(seen.size()).isEqualTo(2);
        assertThat(seen.firstCopy("a/1", 6)).as("a is kept").isFalse();
        assertThat(seen.firstCopy("b/1", 5)).as("b was forgotten: taken as new").isTrue();
    }
}
