package dev.switchboard.cluster.nats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.cluster.testing.NatsServer;
import dev.switchboard.core.rpc.ServiceRegistry;
import dev.switchboard.core.rpc.ServiceRegistryContract;
import io.nats.client.Connection;
import io.nats.client.Nats;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The cluster's service registry keeps the contract of every registry, and holds one NATS subscription per service. */
class NatsServiceRegistryContractTest extends ServiceRegistryContract {
    private static NatsServer server;
    private static Connection nats;

    @BeforeAll
    static void start() throws Exception {
        server = NatsServer.started();
        nats = Nats.connect(server.url());
    }

    @AfterAll
    static void stop() throws Exception {
        if (nats != null) nats.close();
        if (server != null) server.close();
    }

    private record Member(String endpointId) implements dev.switchboard.core.rpc.ServiceEndpoint {
    }

    private static NatsRpcSubscriptions subscriptions() {
        return new NatsRpcSubscriptions(new NatsSubjects("contract"), nats.createDispatcher(), m -> { }, m -> { });
    }

    @Override
    protected ServiceRegistry newRegistry(int maxPerEndpoint, int maxTotal) {
        return new NatsServiceRegistry(maxPerEndpoint, maxTotal, subscriptions());
    }

    @Test
    void oneSubscriptionPerServiceHeldWhileAMemberServesIt() {
        NatsRpcSubscriptions subs = subscriptions();
        NatsServiceRegistry registry = new NatsServiceRegistry(0, 0, subs);
        var a = (ServiceRegistry.Registration) registry.register("billing.>", "workers", new Member("a"));
        var again = (ServiceRegistry.Registration) registry.register("billing.>", "workers", new Member("a"));
        registry.register("billing.>", "workers", new Member("b"));
        registry.register("billing.>", "", new Member("c"));
        assertThat(subs.size()).as("(billing.>, workers) and (billing.>, none)").isEqualTo(2);
        assertThat(subs.manySize()).as("request-many: one per pattern").isEqualTo(1);

        a.close();
        again.close(); // the same registration: released once only
        assertThat(subs.size()).as("b still serves billing.> in workers").isEqualTo(2);
        registry.unregisterAll("b");
        assertThat(subs.size()).isEqualTo(1);
        registry.unregisterAll("c");
        assertThat(subs.size()).isZero();
        assertThat(subs.manySize()).isZero();
        assertThat(registry.size()).isZero();
    }
}
