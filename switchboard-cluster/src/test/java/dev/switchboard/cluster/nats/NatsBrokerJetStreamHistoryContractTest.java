package dev.switchboard.cluster.nats;

import dev.switchboard.core.pubsub.HistoryRule;
import dev.switchboard.core.pubsub.TopicHistories;
import java.util.List;

/**
 * The broker contract again with every topic keeping a history in JetStream: publishes wait for
 * the stream's ack and carry its sequence as their offset, and the contract must still hold.
 */
class NatsBrokerJetStreamHistoryContractTest extends NatsBrokerContractTest {
    @Override
    protected TopicHistories histories() {
        return new TopicHistories(new TopicHistories.Settings(List.of(HistoryRule.parse(">=1000")), 8L << 20, 0),
                System::currentTimeMillis);
    }

    /** Each publish also waits for the stream's ack: a tenth of the in-memory load. */
    @Override
    protected int loadDivisor() {
        return 10;
    }
}
