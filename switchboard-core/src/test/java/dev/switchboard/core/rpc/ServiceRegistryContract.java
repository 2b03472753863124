package dev.switchboard.core.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ServiceRegistry} must do, whatever engine is behind it. An implementation's
 * test extends this class and says how to make a registry with the given bounds.
 */
public abstract class ServiceRegistryContract {
    /** A registry whose bounds are {@code maxPerEndpoint} per endpoint and {@code maxTotal} in all (0 = none). */
    protected abstract ServiceRegistry newRegistry(int maxPerEndpoint, int maxTotal);

    protected record Endpoint(String endpointId) implements ServiceEndpoint {
    }

    private static ServiceRegistry.Registration registered(ServiceRegistry.Registered r) {
        assertThat(r).isInstanceOf(ServiceRegistry.Registration.class);
        return (ServiceRegistry.Registration) r;
    }

    private static Map<String, Integer> pickCounts(ServiceRegistry registry, String name, int picks) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < picks; i++) {
            counts.merge(registry.pick(name).orElseThrow().endpointId(), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void aNameNobodyServesHasNoResponders() {
        ServiceRegistry registry = newRegistry(0, 0);
        registered(registry.register("billing.create", "", new Endpoint("a")));
        assertThat(registry.pick("billing.delete")).isEmpty();
        assertThat(registry.members("billing.delete")).isEmpty();
    }

    @Test
    void patternsMatchAsNatsSubjectsDo() {
        ServiceRegistry registry = newRegistry(0, 0);
        registered(registry.register("billing.*.create", "", new Endpoint("star")));
        registered(registry.register("audit.>", "", new Endpoint("tail")));
        assertThat(registry.pick("billing.invoice.create")).map(ServiceEndpoint::endpointId).contains("star");
        assertThat(registry.pick("billing.create")).isEmpty();
        assertThat(registry.pick("billing.invoice.line.create")).isEmpty();
        assertThat(registry.pick("audit.login")).map(ServiceEndpoint::endpointId).contains("tail");
        assertThat(registry.pick("audit.login.failed")).map(ServiceEndpoint::endpointId).contains("tail");
        assertThat(registry.pick("audit")).isEmpty();
    }

    @Test
    void requestsAreBalancedOverServicesThenOverTheMembersOfAGroup() {
        ServiceRegistry registry = newRegistry(0, 0);
        registered(registry.register("jobs.run", "workers", new Endpoint("w1")));
        registered(registry.register("jobs.run", "workers", new Endpoint("w2")));
        registered(registry.register("jobs.run", "workers", new Endpoint("w3")));
        registered(registry.register("jobs.run", "", new Endpoint("solo")));

        Map<String, Integer> counts = pickCounts(registry, "jobs.run", 60);

        // Two services (the group and the ungrouped endpoint) share the requests evenly; the
        // group's share is spread evenly over its three members.
        assertThat(counts).containsEntry("solo", 30).containsEntry("w1", 10).containsEntry("w2", 10).containsEntry("w3", 10);
    }

    @Test
    void requestManyReachesOneMemberOfEachServiceAndEachEndpointOnce() {
        ServiceRegistry registry = newRegistry(0, 0);
        registered(registry.register("jobs.run", "workers", new Endpoint("w1")));
        registered(registry.register("jobs.run", "workers", new Endpoint("w2")));
        registered(registry.register("jobs.run", "", new Endpoint("solo")));
        registered(registry.register("jobs.*", "", new Endpoint("solo"))); // the same endpoint twice

        List<String> first = registry.members("jobs.run").stream().map(ServiceEndpoint::endpointId).toList();
        List<String> second = registry.members("jobs.run").stream().map(ServiceEndpoint::endpointId).toList();

        assertThat(first).hasSize(2).contains("solo").containsAnyOf("w1", "w2");
        assertThat(first.get(0)).isIn("w1", "w2"); // services in the order they registered
        assertThat(second).hasSize(2).contains("solo");
        assertThat(List.of(first.get(0), second.get(0))).containsExactlyInAnyOrder("w1", "w2");
    }

    @Test
    void registeringTheSameThingTwiceIsOneRegistrationAndEndpointsAreComparedById() {
        ServiceRegistry registry = newRegistry(0, 0);
        ServiceRegistry.Registration a = registered(registry.register("svc.echo", "g", new Endpoint("e1")));
        ServiceRegistry.Registration b = registered(registry.register("svc.echo", "g", new Endpoint("e1")));
        assertThat(registry.size()).isEqualTo(1);
        assertThat(pickCounts(registry, "svc.echo", 4)).containsOnlyKeys("e1");
        b.close();
        assertThat(registry.size()).isZero();
        assertThat(registry.pick("svc.echo")).isEmpty();
        a.close(); // closing again is harmless
        assertThat(registry.size()).isZero();
    }

    @Test
    void closingARegistrationOrUnregisteringAnEndpointRemovesOnlyWhatItOwns() {
        ServiceRegistry registry = newRegistry(0, 0);
        ServiceRegistry.Registration mine = registered(registry.register("svc.a", "g", new Endpoint("e1")));
        registered(registry.register("svc.b", "", new Endpoint("e1")));
        registered(registry.register("svc.a", "g", new Endpoint("e2")));

        mine.close();
        assertThat(pickCounts(registry, "svc.a", 3)).containsOnlyKeys("e2");
        assertThat(registry.pick("svc.b")).map(ServiceEndpoint::endpointId).contains("e1");

        registry.unregisterAll("e1");
        assertThat(registry.pick("svc.b")).isEmpty();
        assertThat(registry.pick("svc.a")).map(ServiceEndpoint::endpointId).contains("e2");
        assertThat(registry.size()).isEqualTo(1);
        registry.unregisterAll("nobody");
        assertThat(registry.size()).isEqualTo(1);
    }

    @Test
    void boundsRefuseAndCloseGivesRoomBack() {
        ServiceRegistry registry = newRegistry(2, 3);
        ServiceRegistry.Registration first = registered(registry.register("a.one", "", new Endpoint("e1")));
        registered(registry.register("a.two", "", new Endpoint("e1")));
        assertThat(registry.register("a.three", "", new Endpoint("e1")))
                .isInstanceOf(ServiceRegistry.Registered.Refused.class);
        registered(registry.register("a.one", "", new Endpoint("e2")));
        assertThat(registry.register("a.two", "", new Endpoint("e3")))
                .isInstanceOf(ServiceRegistry.Registered.Refused.class);
        assertThat(registry.size()).isEqualTo(3);
        assertThat(registry.pick("a.three")).isEmpty();

        first.close();
        registered(registry.register("a.three", "", new Endpoint("e1")));
        assertThat(registry.size()).isEqualTo(3);
    }

    @Test
    void anInvalidPatternIsRejected() {
        ServiceRegistry registry = newRegistry(0, 0);
        assertThatThrownBy(() -> registry.register("a.>.b", "", new Endpoint("e")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(registry.size()).isZero();
    }

    @Test
    void concurrentRegistrationsAndRemovalsLeaveNothingBehind() throws Exception {
        ServiceRegistry registry = newRegistry(0, 0);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 500; i++) {
                        Endpoint e = new Endpoint("t" + thread + "-" + i);
                        ServiceRegistry.Registration r = registered(registry.register("svc." + (i % 5), "g" + (i % 2), e));
                        Optional<ServiceEndpoint> picked = registry.pick("svc." + (i % 5));
                        assertThat(picked).isPresent();
                        if (i % 2 == 0) r.close();
                        else registry.unregisterAll(e.endpointId());
                    }
                }));
            }
            for (Future<?> f : done) f.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(registry.size()).isZero();
        for (int i = 0; i < 5; i++) assertThat(registry.pick("svc." + i)).isEmpty();
    }
}
