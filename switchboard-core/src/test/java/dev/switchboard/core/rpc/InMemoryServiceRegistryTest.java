package dev.switchboard.core.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The node's own registry against the contract every engine must keep, and what is particular to it. */
class InMemoryServiceRegistryTest extends ServiceRegistryContract {
    @Override
    protected ServiceRegistry newRegistry(int maxPerEndpoint, int maxTotal) {
        return new InMemoryServiceRegistry(maxPerEndpoint, maxTotal);
    }

    @Test
    void boundsOfZeroMeanNoBound() {
        ServiceRegistry registry = newRegistry(0, 0);
        for (int i = 0; i < 5_000; i++) {
            assertThat(registry.register("svc.m" + i, "", new Endpoint("one"))).isInstanceOf(ServiceRegistry.Registration.class);
        }
        assertThat(registry.size()).isEqualTo(5_000);
        assertThat(registry.pick("svc.m4999")).map(ServiceEndpoint::endpointId).contains("one");
    }
}
