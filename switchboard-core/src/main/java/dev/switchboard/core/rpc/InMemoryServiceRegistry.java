package dev.switchboard.core.rpc;

import dev.switchboard.protocol.Subjects;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The service registry of one node. Changes are made under one lock and published as an
 * immutable list of services, so that a lookup — the hot path, once per request — reads without
 * locking. A lookup scans the services in registration order; registrations are bounded (per
 * endpoint and in total), which bounds that scan.
 */
public final class InMemoryServiceRegistry implements ServiceRegistry {
    private final int maxPerEndpoint;
    private final int maxTotal;
    private final Object lock = new Object();
    private final Map<RegKey, Reg> registrations = new HashMap<>();
    private final Map<String, Integer> perEndpoint = new HashMap<>();
    private final AtomicInteger serviceCursor = new AtomicInteger();
    private volatile List<Service> services = List.of();

    /**
     * @param maxPerEndpoint registrations one endpoint may hold (0 = no bound)
     * @param maxTotal       registrations on the node (0 = no bound)
     */
    public InMemoryServiceRegistry(int maxPerEndpoint, int maxTotal) {
        this.maxPerEndpoint = maxPerEndpoint;
        this.maxTotal = maxTotal;
    }

    /** Identifies a registration; ungrouped registrations are keyed by their endpoint alone. */
    private record RegKey(String endpointId, String pattern, String group) {
    }

    /** One service: a pattern and group with its members; an ungrouped registration is a service of one. */
    private static final class Service {
        final String pattern;
        final String group;
        final String soleEndpoint;
        final ServiceEndpoint[] members;
        final AtomicInteger cursor;

        Service(String pattern, String group, String soleEndpoint, ServiceEndpoint[] members, AtomicInteger cursor) {
            this.pattern = pattern;
            this.group = group;
            this.soleEndpoint = soleEndpoint;
            this.members = members;
            this.cursor = cursor;
        }

        boolean sameService(String pattern, String group, String endpointId) {
            return this.pattern.equals(pattern) && this.group.equals(group)
                    && (group.isEmpty() ? soleEndpoint.equals(endpointId) : true);
        }

        ServiceEndpoint next() {
            return members[Math.floorMod(cursor.getAndIncrement(), members.length)];
        }
    }

    private final class Reg implements Registration {
        final RegKey key;
        final ServiceEndpoint endpoint;

        Reg(RegKey key, ServiceEndpoint endpoint) {
            this.key = key;
            this.endpoint = endpoint;
        }

        @Override
        public String pattern() {
            return key.pattern();
        }

        @Override
        public String group() {
            return key.group();
        }

        @Override
        public void close() {
            synchronized (lock) {
                if (registrations.remove(key, this)) removeLocked(this);
            }
        }
    }

    @Override
    public Registered register(String pattern, String group, ServiceEndpoint endpoint) {
        String problem = Subjects.patternError(pattern);
        if (problem != null) throw new IllegalArgumentException("pattern: " + problem);
        String g = group == null ? "" : group;
        RegKey key = new RegKey(endpoint.endpointId(), pattern, g);
        synchronized (lock) {
            Reg existing = registrations.get(key);
            if (existing != null) return existing;
            int mine = perEndpoint.getOrDefault(key.endpointId(), 0);
            if (maxPerEndpoint > 0 && mine >= maxPerEndpoint) {
                return new Registered.Refused("the endpoint serves " + maxPerEndpoint + " patterns already");
            }
            if (maxTotal > 0 && registrations.size() >= maxTotal) {
                return new Registered.Refused("the node has " + maxTotal + " service registrations already");
            }
            Reg reg = new Reg(key, endpoint);
            registrations.put(key, reg);
            perEndpoint.put(key.endpointId(), mine + 1);
            services = withMember(services, reg);
            return reg;
        }
    }

    @Override
    public Optional<ServiceEndpoint> pick(String name) {
        List<Service> all = services;
        int matching = 0;
        for (Service s : all) {
            if (Subjects.matches(s.pattern, name)) matching++;
        }
        if (matching == 0) return Optional.empty();
        int chosen = Math.floorMod(serviceCursor.getAndIncrement(), matching);
        for (Service s : all) {
            if (Subjects.matches(s.pattern, name) && chosen-- == 0) return Optional.of(s.next());
        }
        return Optional.empty(); // unreachable: the list is immutable
    }

    @Override
    public List<ServiceEndpoint> members(String name) {
        Map<String, ServiceEndpoint> out = new LinkedHashMap<>();
        for (Service s : services) {
            if (!Subjects.matches(s.pattern, name)) continue;
            ServiceEndpoint e = s.next();
            out.putIfAbsent(e.endpointId(), e);
        }
        return List.copyOf(out.values());
    }

    @Override
    public void unregisterAll(String endpointId) {
        synchronized (lock) {
            List<Reg> mine = new ArrayList<>();
            for (Reg r : registrations.values()) {
                if (r.key.endpointId().equals(endpointId)) mine.add(r);
            }
            for (Reg r : mine) {
                registrations.remove(r.key);
                removeLocked(r);
            }
        }
    }

    @Override
    public List<ServiceListing> listing() {
        List<ServiceListing> out = new ArrayList<>();
        for (Service s : services) {
            out.add(new ServiceListing(s.pattern, s.group, Arrays.stream(s.members).map(ServiceEndpoint::endpointId).toList()));
        }
        return out;
    }

    @Override
    public int size() {
        synchronized (lock) {
            return registrations.size();
        }
    }

    /** Under the lock: takes a registration out of its service and out of the per-endpoint count. */
    private void removeLocked(Reg reg) {
        perEndpoint.computeIfPresent(reg.key.endpointId(), (k, n) -> n <= 1 ? null : n - 1);
        services = withoutMember(services, reg);
    }

    private static List<Service> withMember(List<Service> current, Reg reg) {
        List<Service> next = new ArrayList<>(current);
        String endpointId = reg.key.endpointId();
        for (int i = 0; i < next.size(); i++) {
            Service s = next.get(i);
            if (s.sameService(reg.key.pattern(), reg.key.group(), endpointId)) {
                ServiceEndpoint[] members = Arrays.copyOf(s.members, s.members.length + 1);
                members[s.members.length] = reg.endpoint;
                next.set(i, new Service(s.pattern, s.group, s.soleEndpoint, members, s.cursor));
                return List.copyOf(next);
            }
        }
        next.add(new Service(reg.key.pattern(), reg.key.group(), endpointId,
                new ServiceEndpoint[] {reg.endpoint}, new AtomicInteger()));
        return List.copyOf(next);
    }

    private static List<Service> withoutMember(List<Service> current, Reg reg) {
        List<Service> next = new ArrayList<>(current.size());
        String endpointId = reg.key.endpointId();
        for (Service s : current) {
            if (!s.sameService(reg.key.pattern(), reg.key.group(), endpointId)) {
                next.add(s);
                continue;
            }
            ServiceEndpoint[] members = Arrays.stream(s.members)
                    .filter(m -> !m.endpointId().equals(endpointId)).toArray(ServiceEndpoint[]::new);
            if (members.length > 0) next.add(new Service(s.pattern, s.group, s.soleEndpoint, members, s.cursor));
        }
        return List.copyOf(next);
    }
}
