package dev.switchboard.core.pubsub;

import dev.switchboard.protocol.Subjects;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.protocol.Payload;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The wildcard matching table: each row is a pattern, a topic and whether a subscription to the
 * pattern gets a message published on the topic. Checked twice, against {@link Subjects#matches}
 * and against the broker's topic tree (a real publish), so the two can never disagree.
 */
class WildcardMatchingTableTest {
    static Stream<Arguments> table() {
        return Stream.of(
                // literal patterns: the whole topic, token by token
                row("a", "a", true),
                row("a", "b", false),
                row("a", "a.b", false),
                row("a.b", "a", false),
                row("a.b", "a.b", true),
                row("a.b", "a.bc", false),
                row("a.b", "ab", false),
                row("orders.eu-west.#1", "orders.eu-west.#1", true),
                // * is exactly one token
                row("*", "a", true),
                row("*", "a.b", false),
                row("a.*", "a.b", true),
                row("a.*", "a", false),
                row("a.*", "a.b.c", false),
                row("*.b", "a.b", true),
                row("*.b", "a.c", false),
                row("a.*.c", "a.b.c", true),
                row("a.*.c", "a.c", false),
                row("a.*.c", "a.b.b.c", false),
                row("*.*", "a.b", true),
                row("*.*", "a", false),
                row("*.*", "a.b.c", false),
                // > is one or more trailing tokens
                row(">", "a", true),
                row(">", "a.b.c", true),
                row("a.>", "a", false),
                row("a.>", "a.b", true),
                row("a.>", "a.b.c.d", true),
                row("a.>", "b.a", false),
                row("*.>", "a", false),
                row("*.>", "a.b", true),
                row("a.*.>", "a.b", false),
                row("a.*.>", "a.b.c", true),
                row("*.b.>", "x.b.y.z", true),
                row("*.b.>", "x.c.y", false),
                // a token is the whole text between dots: a wildcard never matches part of one
                row("a.*", "ab.c", false),
                row("a.>", "ab.c", false),
                row("a*", "a*", false)); // not a valid pattern; never a subscription (see below)
    }

    private static Arguments row(String pattern, String topic, boolean matches) {
        return Arguments.of(pattern, topic, matches);
    }

    @ParameterizedTest(name = "{0} ~ {1} -> {2}")
    @MethodSource("table")
    void theMatcherAndTheTreeAgreeWithTheTable(String pattern, String topic, boolean expected) {
        if (Subjects.patternError(pattern) != null || Subjects.channelError(topic) != null) {
            // Invalid names never reach the tree: the operations refuse them with invalid_argument.
            assertThat(expected).isFalse();
            return;
        }
        assertThat(Subjects.matches(pattern, topic)).isEqualTo(expected);

        InMemoryBroker broker = new InMemoryBroker(0);
        RecordingSubscriber s = new RecordingSubscriber("s");
        broker.subscribe(s, pattern, "");
        int delivered = broker.publish(topic, Payload.ofUtf8("m")).toCompletableFuture().join().delivered();
        assertThat(delivered).isEqualTo(expected ? 1 : 0);
        assertThat(s.count()).isEqualTo(expected ? 1 : 0);
    }
}
