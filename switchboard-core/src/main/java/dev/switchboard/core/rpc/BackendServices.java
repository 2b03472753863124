package dev.switchboard.core.rpc;

import dev.switchboard.core.session.Session;
import dev.switchboard.core.session.SessionPolicy;
import dev.switchboard.core.time.NodeClock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sessions that serve names (backends), as a target: second in the lookup order. A session's
 * registrations belong to it: they are in the {@link ServiceRegistry} while the session has a
 * connection, out of it (and its calls in flight failed {@code disconnected}, an idempotent one
 * retried once on another member first) while it has none, back when a connection attaches,
 * and gone when the session ends. A session that lives without connections — an HTTP one, which
 * reads its events by polling — keeps its registrations in the registry until it ends.
 */
final class BackendServices implements RpcTarget {
    /** How often a pick that lands on a backend going away is tried again before the next target is asked. */
    private static final int PICK_ATTEMPTS = 4;

    private final ServiceRegistry registry;
    private final RpcTracker tracker;
    private final NodeClock clock;
    private final int maxPerSession;
    private final Map<String, Backend> backends = new ConcurrentHashMap<>();

    BackendServices(ServiceRegistry registry, RpcTracker tracker, NodeClock clock, int maxPerSession) {
        this.registry = registry;
        this.tracker = tracker;
        this.clock = clock;
        this.maxPerSession = maxPerSession;
    }

    /** What a session serves, registered or not; guarded by its own monitor. */
    private static final class Backend implements ServiceEndpoint {
        final Session session;
        /** (pattern, group) → the registration in force, or null while the session is away. */
        final Map<Served, ServiceRegistry.Registration> served = new LinkedHashMap<>();
        boolean present;
        boolean ended;

        Backend(Session session) {
            this.session = session;
            this.present = presentNow(session);
        }

        @Override
        public String endpointId() {
            return session.id();
        }
    }

    private record Served(String pattern, String group) {
    }

    /** A session is present while it has a connection, or always when it lives without one (HTTP). */
    private static boolean presentNow(Session s) {
        return s.policy().lifetime() != SessionPolicy.Lifetime.GRACE || s.connectionCount() > 0;
    }

    /** {@code rpc.serve}: null when done (or done already), else why it was refused. */
    String serve(Session s, String pattern, String group) {
        Backend b = backends.computeIfAbsent(s.id(), id -> new Backend(s));
        synchronized (b) {
            if (b.ended || s.isClosed()) {
                backends.remove(s.id(), b); // its end may have run before this entry was made
                return "the session has ended";
            }
            Served key = new Served(pattern, group);
            if (b.served.containsKey(key)) return null;
            if (maxPerSession > 0 && b.served.size() >= maxPerSession) {
                return "the session serves " + maxPerSession + " patterns already (--max-subscriptions)";
            }
            ServiceRegistry.Registration reg = null;
            if (b.present) {
                ServiceRegistry.Registered r = registry.register(pattern, group, b);
                if (r instanceof ServiceRegistry.Registered.Refused refused) return refused.reason();
                reg = (ServiceRegistry.Registration) r;
            }
            b.served.put(key, reg);
            return null;
        }
    }

    /** {@code rpc.unserve}; true when the session served it. */
    boolean unserve(Session s, String pattern, String group) {
        Backend b = backends.get(s.id());
        if (b == null) return false;
        synchronized (b) {
            if (!b.served.containsKey(new Served(pattern, group))) return false;
            ServiceRegistry.Registration reg = b.served.remove(new Served(pattern, group));
            if (reg != null) reg.close();
            return true;
        }
    }

    // ---- presence -----------------------------------------------------------------------------

    /** A connection attached to {@code s}: its registrations are in force again. */
    void attached(Session s) {
        Backend b = backends.get(s.id());
        if (b == null) return;
        synchronized (b) {
            if (b.ended || b.present) return;
            b.present = true;
            for (Map.Entry<Served, ServiceRegistry.Registration> e : b.served.entrySet()) {
                ServiceRegistry.Registered r = registry.register(e.getKey().pattern(), e.getKey().group(), b);
                // Refused only if the node-wide bound filled up meanwhile; the session still lists it.
                e.setValue(r instanceof ServiceRegistry.Registration reg ? reg : null);
            }
        }
    }

    /** {@code s} has no connection left: out of the registry, and its calls fail or move. */
    void away(Session s) {
        withdraw(s, false);
    }

    /** {@code s} ended: its registrations are gone for good. */
    void ended(Session s) {
        withdraw(s, true);
    }

    private void withdraw(Session s, boolean end) {
        Backend b = end ? backends.remove(s.id()) : backends.get(s.id());
        if (b != null) {
            synchronized (b) {
                b.present = false;
                b.ended |= end;
                registry.unregisterAll(s.id());
                for (Map.Entry<Served, ServiceRegistry.Registration> e : b.served.entrySet()) e.setValue(null);
                if (end) b.served.clear();
            }
        }
        // Out of the registry first, so that a retry cannot land on this backend again.
        for (RpcCall call : tracker.takeServedBy(s.id())) {
            if (call.idempotent() && !call.retried()) {
                call.markRetried();
                if (call(call)) continue;
            }
            tracker.complete(call, RpcReplies.disconnected());
        }
    }

    // ---- routing --------------------------------------------------------------------------------

    @Override
    public boolean call(RpcCall call) {
        for (int i = 0; i < PICK_ATTEMPTS; i++) {
            Backend b = pick(call.name());
            if (b == null) return false;
            // Away or ended since the pick (its withdrawal is under way): pick again.
            if (sendTo(b, call)) return true;
        }
        return false;
    }

    /**
     * Sends {@code call} to one member that {@link ServiceRegistry#members} named (request-many);
     * false, with nothing sent, when it is not a backend session here or no longer present.
     */
    boolean callOn(ServiceEndpoint member, RpcCall call) {
        return member instanceof Backend b && sendTo(b, call);
    }

    private boolean sendTo(Backend b, RpcCall call) {
        synchronized (b) {
            if (!b.present) return false;
            tracker.servedBy(call, b.endpointId());
        }
        // After servedBy: a withdrawal from here on fails (or moves) the call; before it, the
        // presence check above saw the backend gone.
        if (!b.session.emit(RpcEvents.request(call, clock))) {
            withdraw(b.session, true); // the session has ended: its end is on its way here too
        }
        return true;
    }

    @Override
    public boolean notify(RpcCall notice) {
        for (int i = 0; i < PICK_ATTEMPTS; i++) {
            Backend b = pick(notice.name());
            if (b == null) return false;
            if (b.session.emit(RpcEvents.request(notice, clock))) return true;
        }
        return false;
    }

    private Backend pick(String name) {
        Optional<ServiceEndpoint> e = registry.pick(name);
        return e.isPresent() && e.get() instanceof Backend b ? b : null;
    }

    /** Sessions that serve something, present or not (for tests and admins). */
    int backendCount() {
        return backends.size();
    }

    /** What {@code s} serves, as {@code pattern} or {@code pattern@group}, present or not. */
    List<String> servedBy(Session s) {
        Backend b = backends.get(s.id());
        if (b == null) return List.of();
        synchronized (b) {
            List<String> out = new ArrayList<>();
            for (Served sv : b.served.keySet()) out.add(sv.group().isEmpty() ? sv.pattern() : sv.pattern() + "@" + sv.group());
            return out;
        }
    }
}
