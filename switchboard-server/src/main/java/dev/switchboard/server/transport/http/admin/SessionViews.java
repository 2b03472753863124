package dev.switchboard.server.transport.http.admin;

import dev.switchboard.core.pubsub.Broker;
import dev.switchboard.core.session.Outbox;
import dev.switchboard.core.session.Session;
import dev.switchboard.core.session.SessionConnection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A session as the admin routes show it (docs/http-api.md, "Administration"): no resume key, ever. */
final class SessionViews {
    private final Broker broker;

    SessionViews(Broker broker) {
        this.broker = broker;
    }

    Map<String, Object> view(Session s, long nowMillis) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", s.id());
        v.put("numeric_id", s.ownerId());
        v.put("transport", s.transport());
        v.put("remote_address", s.remoteAddress());
        v.put("resumable", s.resumable());
        v.put("kind", s.policy().name());
        v.put("connections", s.connectionCount());
        v.put("state", s.state());
        {
            List<Map<String, Object>> attached = new ArrayList<>();
            for (SessionConnection c : s.connections()) {
                Map<String, Object> cm = new LinkedHashMap<>();
                cm.put("transport", c.transport());
                cm.put("remote_address", c.remoteAddress());
                attached.add(cm);
            }
            v.put("attached", attached);
        }
        v.put("age_s", Math.max(0, (nowMillis - s.createdAtMillis()) / 1000));
        v.put("locks", s.lockKeys().size());
        v.put("subscriptions", broker.subscriptionCount(s));
        v.put("attributes", s.attributes());
        long lastSeq;
        long depth;
        Outbox replay = s.replay();
        synchronized (replay) { // the Outbox's own lock: both numbers from one moment
            lastSeq = replay.lastSeq();
            depth = Math.max(0, lastSeq - replay.firstAvailable() + 1);
        }
        v.put("last_seq", lastSeq);
        v.put("queue_depth", depth);
        v.put("requests_in_flight", s.requestsInFlight());
        return v;
    }
}
