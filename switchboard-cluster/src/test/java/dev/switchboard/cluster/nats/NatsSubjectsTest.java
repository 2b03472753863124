package dev.switchboard.cluster.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NatsSubjectsTest {
    private final NatsSubjects subjects = new NatsSubjects("switchboard");

    @Test
    void plainChannelsAndPatternsKeepTheirShape() {
        assertThat(subjects.subject("ch", "orders.eu.created")).isEqualTo("switchboard.ch.orders.eu.created");
        assertThat(subjects.subject("ch", "orders.*.created")).isEqualTo("switchboard.ch.orders.*.created");
        assertThat(subjects.subject("ch", "orders.>")).isEqualTo("switchboard.ch.orders.>");
    }

    @Test
    void whiteSpacePercentAndNonAsciiAreEncodedAndComeBack() {
        String channel = "room 1.caf\u00e9.50%";
        String subject = subjects.subject("ch", channel);
        assertThat(subject).isEqualTo("switchboard.ch.room%201.caf%C3%A9.50%25");
        assertThat(subject.chars().allMatch(c -> c > 0x20 && c < 0x7f)).isTrue();
        assertThat(subjects.channelOf("ch", subject)).isEqualTo(channel);
    }

    @Test
    void aSingleNameStaysOneTokenWhateverItHolds() {
        String subject = subjects.single("peer", "alice.laptop>*");
        assertThat(subject).isEqualTo("switchboard.peer.alice%2Elaptop%3E%2A");
        assertThat(subjects.channelOf("peer", subject)).isEqualTo("alice.laptop>*");
    }

    @Test
    void aPrefixMustBeOnePlainToken() {
        assertThatThrownBy(() -> new NatsSubjects("a.b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new NatsSubjects("")).isInstanceOf(IllegalArgumentException.class);
        assertThat(new NatsSubjects("sb-test").prefix()).isEqualTo("sb-test");
    }
}
