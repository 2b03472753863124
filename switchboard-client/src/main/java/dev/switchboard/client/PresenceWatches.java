package dev.switchboard.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * Presence ({@code presence.*}, {@code topic.presence}): the watches, the view each keeps from its
 * events, and watching again on a new session.
 */
final class PresenceWatches {
    private static final Logger log = LoggerFactory.getLogger(PresenceWatches.class);
    private static final String RESYNC = "presence.resync";
    /**
     * Events for a watch whose {@code presence.subscribe} answer is still being taken in (the
     * server sends changes right after the answer) wait here; more than this while watches are
     * being made means something is wrong, and the extra ones are dropped with a warning.
     */
    private static final int MAX_EARLY_EVENTS = 4096;

    private final RequestRouter requests;
    private final Duration requestTimeout;
    private final Consumer<Runnable> inOrder;
    private final ServiceHandlers.Awaiter awaiter;
    private final List<PresenceWatch> watches = new CopyOnWriteArrayList<>();
    // Guarded by this: taking in an answer and applying events happen under the one lock, so the
    // listener hears the snapshot before the changes that follow it.
    private final Map<String, PresenceWatch> byWatchId = new HashMap<>();
    private final Map<String, List<JsonNode>> early = new HashMap<>();
    private int earlyCount;
    private int subscribing;

    /** @param inOrder runs listener calls on the callback executor, one at a time, in order */
    PresenceWatches(RequestRouter requests, Duration requestTimeout, Consumer<Runnable> inOrder,
                    ServiceHandlers.Awaiter awaiter) {
        this.requests = requests;
        this.requestTimeout = requestTimeout;
        this.inOrder = inOrder;
        this.awaiter = awaiter;
    }

    CompletableFuture<PresenceWatch> watch(Collection<String> peers, String pattern, PresenceListener listener) {
        List<String> ids = peers == null ? List.of() : List.copyOf(peers);
        if (ids.isEmpty() == (pattern == null)) {
            throw new IllegalArgumentException("watch either some peer ids or a pattern");
        }
        PresenceWatch w = new PresenceWatch(this, ids, pattern, Objects.requireNonNull(listener, "listener"));
        watches.add(w);
        return subscribe(w, true).handle((ok, e) -> {
            if (e != null) {
                watches.remove(w);
                throw Futures.unwrap(e);
            }
            return w;
        });
    }

    void unwatch(PresenceWatch w) {
        if (!watches.remove(w)) {
            return;
        }
        String id;
        synchronized (this) {
            id = w.watchId();
            byWatchId.remove(id, w);
        }
        try {
            awaiter.await(unsubscribe(id));
        } catch (InvalidArgumentException e) {
            // The server has no such watch: it ended with a lost session, which is what closing wants.
            log.debug("presence watch {} was gone already: {}", id, e.getMessage());
        }
    }

    CompletableFuture<TopicPresence> topicPresence(String topic, boolean list) {
        FieldsMessage msg = new FieldsMessage("topic.presence").put("topic", Objects.requireNonNull(topic, "topic"))
                .put("list", list);
        return requests.send(msg, requestTimeout, null).thenApply(a -> {
            JsonNode r = a.tree();
            List<String> members = new ArrayList<>();
            r.path("members").forEach(m -> members.add(m.asString("")));
            return new TopicPresence(r.path("count").asLong(0), members);
        });
    }

    /** A new session replaced a lost one: every watch is made again, and its listener hears the fresh view. */
    void sessionReplaced() {
        for (PresenceWatch w : watches) {
            subscribe(w, false).exceptionally(e -> {
                log.warn("could not watch presence again on the new session: {}", e.toString());
                return null;
            });
        }
    }

    /** A {@code presence} or {@code presence.resync} event (on the I/O thread). */
    void onEvent(JsonNode event) {
        String id = event.path("watch").asString("");
        synchronized (this) {
            PresenceWatch w = byWatchId.get(id);
            if (w != null) {
                apply(w, event);
            } else if (subscribing > 0) {
                if (earlyCount < MAX_EARLY_EVENTS) {
                    earlyCount++;
                    early.computeIfAbsent(id, k -> new ArrayList<>()).add(event);
                } else {
                    log.warn("dropping a presence event for watch {}: {} events already wait for their watch", id, earlyCount);
                }
            }
            // Else a watch closed meanwhile, or one of a lost session: nobody wants it.
        }
    }

    private CompletableFuture<Void> subscribe(PresenceWatch w, boolean initial) {
        FieldsMessage msg = new FieldsMessage("presence.subscribe")
                .put("peers", w.peers().isEmpty() ? null : w.peers()).put("pattern", w.pattern());
        synchronized (this) {
            subscribing++;
        }
        return requests.send(msg, requestTimeout, null).handle((a, e) -> {
            synchronized (this) {
                try {
                    if (e != null) {
                        throw Futures.unwrap(e);
                    }
                    adopt(w, a.tree(), initial);
                    return null;
                } finally {
                    if (--subscribing == 0) {
                        early.clear();
                        earlyCount = 0;
                    }
                }
            }
        });
    }

    // Under the lock, as the answer to presence.subscribe is taken in.
    private void adopt(PresenceWatch w, JsonNode result, boolean initial) {
        String id = result.path("watch").asString("");
        if (!watches.contains(w)) {
            // Closed while it was being made again on a new session: end it on the server too.
            unsubscribe(id);
            return;
        }
        Set<String> view = ids(result.path("online"));
        String old = w.watchId();
        if (old != null) {
            byWatchId.remove(old, w);
        }
        byWatchId.put(id, w);
        w.resyncing = false;
        w.watching(id, view);
        tell(w, initial ? l -> l.snapshot(view) : l -> l.resynced(view));
        List<JsonNode> waiting = early.remove(id);
        if (waiting != null) {
            earlyCount -= waiting.size();
            waiting.forEach(ev -> apply(w, ev));
        }
    }

    // Under the lock.
    private void apply(PresenceWatch w, JsonNode event) {
        if (RESYNC.equals(event.path("op").asString(""))) {
            // Forget the view: the next event starts the fresh snapshot.
            w.resyncing = true;
            return;
        }
        Set<String> on = ids(event.path("online"));
        Set<String> off = ids(event.path("offline"));
        if (w.resyncing) {
            w.resyncing = false;
            w.view(on);
            tell(w, l -> l.resynced(on));
            return;
        }
        Set<String> view = new LinkedHashSet<>(w.online());
        view.addAll(on);
        view.removeAll(off);
        w.view(Collections.unmodifiableSet(view));
        tell(w, l -> l.changed(on, off));
    }

    private CompletableFuture<Answer> unsubscribe(String watchId) {
        return requests.send(new FieldsMessage("presence.unsubscribe").put("watch", watchId), requestTimeout, null);
    }

    private void tell(PresenceWatch w, Consumer<PresenceListener> call) {
        inOrder.accept(() -> {
            try {
                call.accept(w.listener);
            } catch (RuntimeException e) {
                log.warn("presence listener threw", e);
            }
        });
    }

    private static Set<String> ids(JsonNode list) {
        Set<String> out = new LinkedHashSet<>();
        list.forEach(n -> out.add(n.asString("")));
        return Collections.unmodifiableSet(out);
    }
}
