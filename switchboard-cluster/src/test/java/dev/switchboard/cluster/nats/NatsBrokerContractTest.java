package dev.switchboard.cluster.nats;

import dev.switchboard.cluster.testing.NatsServer;
import dev.switchboard.cluster.testing.SharedEngines;
import dev.switchboard.core.pubsub.Broker;
import dev.switchboard.core.pubsub.BrokerContract;
import dev.switchboard.core.pubsub.TopicHistories;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * The broker contract against a real nats-server: one node alone must behave exactly as the
 * in-memory broker. Each broker gets a subject prefix of its own, so brokers of one test do not
 * hear each other (cross-node behaviour is {@link NatsBrokerAcrossNodesTest}'s).
 */
public class NatsBrokerContractTest extends BrokerContract {
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static NatsServer nats;
    // Not initialised in their declarations: the contract's constructor calls newBroker before
    // this class's field initialisers run.
    private List<NatsBroker> brokers;
    private List<Connection> connections;

    @BeforeAll
    static void startNats() {
        nats = SharedEngines.nats();
    }

    @Override
    protected Broker newBroker(int maxSubscriptionsPerSubscriber) {
        if (brokers == null) {
            brokers = new ArrayList<>();
            connections = new ArrayList<>();
        }
        try {
            Connection c = Nats.connect(nats.url());
            connections.add(c);
            NatsBroker b = new NatsBroker(c, "contract", new NatsSubjects("t" + PREFIXES.incrementAndGet()),
                    NatsBrokerSettings.defaults(maxSubscriptionsPerSubscriber, histories()), null);
            brokers.add(b);
            return b;
        } catch (Exception e) {
            throw new IllegalStateException("cannot reach the test's nats-server", e);
        }
    }

    /** Each subscribe and publish is a round trip to nats-server: a fifth of the in-memory load. */
    @Override
    protected int loadDivisor() {
        return 5;
    }

    /** The topics that keep a history: none here; {@link NatsBrokerJetStreamHistoryContractTest} keeps every one. */
    protected TopicHistories histories() {
        return TopicHistories.none();
    }

    @AfterEach
    void closeBrokers() throws InterruptedException {
        for (NatsBroker b : brokers) b.close();
        for (Connection c : connections) c.close();
    }
}
