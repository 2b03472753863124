package dev.switchboard.server.transport.http.admin;

import dev.switchboard.core.SwitchboardCore;
import dev.switchboard.core.lock.LockInspection;
import dev.switchboard.core.lock.LockKind;
import dev.switchboard.core.pubsub.MessageCounts;
import dev.switchboard.core.pubsub.Subscription;
import dev.switchboard.core.pubsub.TopicActivity;
import dev.switchboard.core.rpc.ServiceListing;
import dev.switchboard.core.session.Session;
import dev.switchboard.server.Version;
import dev.switchboard.server.limits.Limits;
import dev.switchboard.server.metrics.NodeMetrics;
import dev.switchboard.server.transport.ServerContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /api/v1/admin/snapshot}: everything the admin dashboard shows, taken at one moment —
 * sessions with what they hold, wait for and listen to; locks and semaphores with holders and
 * waiters in queue order; topics, services, peers; monotonic counters (the dashboard derives
 * rates from two snapshots) and limit hits.
 *
 * <p>Bounded: each list keeps at most {@code --admin-snapshot-max-items} entries (the holders and
 * waiters of one key too); a cut sets {@code "truncated": true}, names the list in
 * {@code truncated_lists}, and counts a hit of that limit. Secrets never appear: no resume key,
 * no lock token (only its public fence half), no identity token.
 *
 * <p>In a cluster the locks are every node's, as etcd has them (holders with fences, waiters in
 * FIFO order; another node's entries name their {@code node} and no session); topics, services and
 * peers are this node's own subscribers, members and sessions.
 */
final class AdminSnapshot {
    private final ServerContext server;
    private final NodeMetrics metrics;
    private final SessionViews views;
    private final int maxItems;

    AdminSnapshot(ServerContext server, NodeMetrics metrics, SessionViews views) {
        this.server = server;
        this.metrics = metrics;
        this.views = views;
        this.maxItems = server.config().adminSnapshotMaxItems();
    }

    /** Completes on a lock engine thread, once the engine's view is in. */
    CompletableFuture<Map<String, Object>> take() {
        return server.core().locks().inspect(maxItems).thenApply(this::build);
    }

    private Map<String, Object> build(LockInspection locks) {
        SwitchboardCore core = server.core();
        long now = core.clock().currentTimeMillis();
        Set<String> truncated = new LinkedHashSet<>();
        if (locks.truncated()) truncated.add("locks");

        List<Session> all = new ArrayList<>();
        for (Session s : core.sessions().all()) {
            if (!s.isClosed()) all.add(s);
        }
        all.sort(Comparator.comparingLong(Session::ownerId));
        Map<Long, Session> byNumericId = new HashMap<>();
        for (Session s : all) byNumericId.put(s.ownerId(), s);

        Map<Long, List<Map<String, Object>>> held = new HashMap<>();
        Map<Long, List<Map<String, Object>>> waiting = new HashMap<>();
        List<Map<String, Object>> lockViews = lockViews(locks, byNumericId, held, waiting);

        List<Map<String, Object>> sessions = new ArrayList<>();
        for (Session s : cut(all, "sessions", truncated)) {
            Map<String, Object> v = views.view(s, now);
            v.put("held", held.getOrDefault(s.ownerId(), List.of()));
            v.put("waiting", waiting.getOrDefault(s.ownerId(), List.of()));
            v.put("listening", listening(s, truncated));
            sessions.add(v);
        }

        List<Map<String, Object>> topics = new ArrayList<>();
        List<Map<String, Object>> presence = new ArrayList<>();
        for (TopicActivity t : cut(core.broker().topicActivity(), "topics", truncated)) {
            topics.add(object("topic", t.pattern(), "subscribers", t.subscribers(), "groups", t.groups(),
                    "published_total", t.published()));
            presence.add(object("topic", t.pattern(), "members", core.broker().presence(t.pattern(), 0).count()));
        }

        Map<String, Object> body = new LinkedHashMap<>();
        body.put("at_ms", now);
        body.put("node", object("server", "switchboard/" + Version.VERSION, "node_id", nodeId(core),
                "uptime_s", metrics.uptimeSeconds()));
        body.put("sessions", sessions);
        body.put("locks", lockViews);
        body.put("topics", topics);
        body.put("services", services(core, truncated));
        body.put("peers", peers(core, all, truncated));
        body.put("presence", presence);
        body.put("counters", counters(core));
        body.put("limit_hits", metrics.limitHitCounts());
        body.put("truncated", !truncated.isEmpty());
        body.put("truncated_lists", List.copyOf(truncated));
        if (!truncated.isEmpty()) server.limitHit(Limits.ADMIN_SNAPSHOT_MAX_ITEMS);
        return body;
    }

    /**
     * The keys' views, and on the way each owner's held slots and queue places (a session's
     * {@code held} and {@code waiting}). A waiter's {@code position} counts from 1, the next in line.
     */
    private static List<Map<String, Object>> lockViews(LockInspection locks, Map<Long, Session> sessions,
                                                       Map<Long, List<Map<String, Object>>> held,
                                                       Map<Long, List<Map<String, Object>>> waiting) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (LockInspection.KeyView k : locks.keys()) {
            String kind = k.key().kind() == LockKind.LOCK ? "lock" : "semaphore";
            String key = k.key().name();
            List<Map<String, Object>> holders = new ArrayList<>();
            for (LockInspection.HolderView h : k.holders()) {
                Map<String, Object> v = object("session", sessionId(sessions, h.node(), h.ownerId()), "numeric_id", h.ownerId(),
                        "fence", h.fence(), "lease_remaining_ms", h.leaseRemainingMs());
                v.put("node", h.node());
                holders.add(v);
                if (h.node() != null) continue; // another node's session: its numeric id is not ours
                held.computeIfAbsent(h.ownerId(), o -> new ArrayList<>()).add(object("key", key, "kind", kind,
                        "fence", h.fence(), "lease_remaining_ms", h.leaseRemainingMs()));
            }
            List<Map<String, Object>> waiters = new ArrayList<>();
            int position = 0;
            for (LockInspection.WaiterView w : k.waiters()) {
                position++;
                Map<String, Object> v = object("session", sessionId(sessions, w.node(), w.ownerId()), "numeric_id", w.ownerId(),
                        "position", position, "state", w.enqueued() ? "enqueued" : "waiting");
                v.put("node", w.node());
                waiters.add(v);
                if (w.node() != null) continue;
                waiting.computeIfAbsent(w.ownerId(), o -> new ArrayList<>()).add(object("key", key, "kind", kind,
                        "position", position));
            }
            Map<String, Object> v = object("key", key, "kind", kind, "limit", k.limit(), "holders", holders,
                    "waiters", waiters);
            v.put("holder_count", k.holderCount());
            v.put("waiter_count", k.waiterCount());
            out.add(v);
        }
        return out;
    }

    /** The patterns a session listens to (signals and topics), each once, sorted. */
    private List<String> listening(Session s, Set<String> truncated) {
        Set<String> patterns = new java.util.TreeSet<>();
        for (Subscription sub : server.core().broker().subscriptionsOf(s)) patterns.add(sub.pattern());
        return List.copyOf(cut(new ArrayList<>(patterns), "listening", truncated));
    }

    /**
     * What serves request names, in lookup order: the embedding program's in-process request and
     * notify handlers, backend services with their members, then the webhooks, each by its origin
     * only (a path or query may carry a secret). Targets the server adds itself (acomm backends)
     * are not listed.
     */
    private List<Map<String, Object>> services(SwitchboardCore core, Set<String> truncated) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String pattern : core.rpc().handlerPatterns()) {
            out.add(object("name", pattern, "group", "", "members", List.of(object("kind", "handler"))));
        }
        for (String pattern : core.rpc().notifyHandlerPatterns()) {
            out.add(object("name", pattern, "group", "", "members", List.of(object("kind", "notify_handler"))));
        }
        for (ServiceListing l : core.rpc().registry().listing()) {
            List<Map<String, Object>> members = new ArrayList<>();
            for (String endpoint : cut(l.endpointIds(), "services", truncated)) {
                Session s = core.sessions().find(endpoint);
                members.add(object("kind", s != null ? "session" : "backend", "session", s != null ? s.id() : null,
                        "numeric_id", s != null ? s.ownerId() : null));
            }
            out.add(object("name", l.pattern(), "group", l.group(), "members", members));
        }
        for (dev.switchboard.server.webhook.WebhookRule w : server.config().rpcWebhooks()) {
            java.net.URI u = w.url();
            String url = u.getScheme() + "://" + u.getRawAuthority(); // no user info: WebhookRule refuses it
            out.add(object("name", w.pattern(), "group", "", "members", List.of(object("kind", "webhook", "url", url))));
        }
        return cut(out, "services", truncated);
    }

    /** Sessions that answer to their peer id on this node now. */
    private List<Map<String, Object>> peers(SwitchboardCore core, List<Session> sessions, Set<String> truncated) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Session s : sessions) {
            String peer = s.peerId();
            if (peer == null || "detached".equals(s.state()) || core.peers().find(peer).isEmpty()) continue;
            if (out.size() >= maxItems) {
                truncated.add("peers");
                break;
            }
            out.add(object("peer", peer, "session", s.id(), "numeric_id", s.ownerId(), "transport", s.transport()));
        }
        return out;
    }

    private Map<String, Object> counters(SwitchboardCore core) {
        MessageCounts messages = core.broker().messageCounts();
        return object("operations_total", core.operationCounts().total(),
                "messages_in_total", messages.published(), "messages_out_total", messages.delivered(),
                "bytes_in_total", metrics.bytesReceivedByTransport(), "bytes_out_total", metrics.bytesSentByTransport(),
                "operations_by_transport", core.operationCounts().byTransport());
    }

    private static String nodeId(SwitchboardCore core) {
        return core.peers() instanceof dev.switchboard.cluster.relay.ClusterPeerDirectory cluster ? cluster.nodeId() : null;
    }

    /** This node's session of that numeric id; null for another node's (their numbering is their own). */
    private static String sessionId(Map<Long, Session> sessions, String node, long numericId) {
        Session s = node == null ? sessions.get(numericId) : null;
        return s == null ? null : s.id();
    }

    /** The first {@code maxItems} of {@code list}; notes {@code name} as truncated when longer. */
    private <T> List<T> cut(List<T> list, String name, Set<String> truncated) {
        if (list.size() <= maxItems) return list;
        truncated.add(name);
        return list.subList(0, maxItems);
    }

    /** An ordered JSON object from name/value pairs (nulls kept: they say "not known"). */
    private static Map<String, Object> object(Object... pairs) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) m.put((String) pairs[i], pairs[i + 1]);
        return m;
    }
}
