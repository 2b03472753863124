package dev.switchboard.core.relay;

import dev.switchboard.core.Dispatcher;
import dev.switchboard.core.pubsub.SignalOps;
import dev.switchboard.core.identity.Permission;
import dev.switchboard.core.session.Permissions;
import dev.switchboard.core.session.Request;
import dev.switchboard.core.session.Session;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Frame;
import dev.switchboard.protocol.ProtocolException;
import dev.switchboard.protocol.Reply;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The native presence operations: {@code presence.subscribe} (a list of peer ids or a pattern:
 * answered with who is online now, then {@code presence} events of who came and went, on the
 * session's own event stream) and {@code presence.unsubscribe}. A watch lives until it is
 * unsubscribed or its session ends. It needs the {@code subscribe} permission on
 * {@code presence.<peer id>} for each id named, or on {@code presence.<pattern>}.
 */
public final class PresenceOps {
    public static final String EVENT = "presence";
    public static final String RESYNC_EVENT = "presence.resync";
    /**
     * Watching a peer is subscribing to its presence: the {@code subscribe} permission on this
     * prefix and the peer id (or the pattern), so that an ACL grants it apart from topics.
     */
    public static final String PERMISSION_PREFIX = "presence.";

    private final PeerDirectory directory;
    private final Executor drains;
    private volatile PresenceSettings settings = PresenceSettings.defaults();
    private volatile Consumer<String> limitHits = limit -> { };
    private final AtomicLong watchIds = new AtomicLong();
    /** Each session's open watches, by watch id; a session with none has no entry. */
    private final Map<Session, Map<String, PresenceStream>> watches = new ConcurrentHashMap<>();

    /** {@code drains} hands batches to sessions (their emit never blocks, so a shared pool is fine). */
    public PresenceOps(PeerDirectory directory, Executor drains) {
        this.directory = directory;
        this.drains = drains;
    }

    /** The bounds of later watches (before the node serves). */
    public void settings(PresenceSettings settings) {
        this.settings = settings;
    }

    public PresenceSettings settings() {
        return settings;
    }

    /** Told the limit's name each time a presence bound is hit ({@code presence_max_...}). */
    public void onLimitHit(Consumer<String> counter) {
        this.limitHits = counter;
    }

    public void registerWith(Dispatcher dispatcher) {
        dispatcher.register("presence.subscribe", this::subscribe);
        dispatcher.register("presence.unsubscribe", this::unsubscribe);
    }

    /** Watches open on the node (for tests that check nothing is left behind). */
    public int watchCount() {
        return watches.values().stream().mapToInt(Map::size).sum();
    }

    private void subscribe(Request req) {
        Session s = req.session();
        Frame f = req.frame();
        PresenceSettings limits = settings;
        boolean byPattern = f.has("pattern");
        if (byPattern == f.has("peers")) throw invalid("give either peers (a list of peer ids) or pattern");
        String pattern = byPattern ? SignalOps.pattern(f) : null;
        List<String> peers = byPattern ? List.of() : peers(f, limits);
        if (byPattern) Permissions.require(s, Permission.SUBSCRIBE, PERMISSION_PREFIX + pattern);
        for (String peer : peers) Permissions.require(s, Permission.SUBSCRIBE, PERMISSION_PREFIX + peer);
        Map<String, PresenceStream> mine = watches.computeIfAbsent(s, k -> new ConcurrentHashMap<>());
        String watchId = Long.toString(watchIds.incrementAndGet());
        synchronized (mine) {
            if (mine.size() >= limits.maxWatchesPerSession()) {
                limitHits.accept("presence_max_watches_per_session");
                throw new ProtocolException(ErrorCode.TOO_MANY_REQUESTS, "the session has " + limits.maxWatchesPerSession()
                        + " presence watches already (--presence-max-watches-per-session)");
            }
            PresenceStream stream = new PresenceStream(new SessionSink(s, watchId), drains, limits.maxQueuedPerWatch(),
                    limits.maxIdsPerEvent(), () -> limitHits.accept("presence_max_queued_per_watch"));
            PresenceStream.Opened opened = stream.open(l -> byPattern ? directory.watchPattern(pattern, l) : directory.watch(peers, l));
            if (opened.refused() != null) throw new ProtocolException(ErrorCode.TOO_MANY_REQUESTS, opened.refused());
            mine.put(watchId, stream);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("watch", watchId);
            out.put("online", opened.online());
            if (opened.more()) out.put("more", true);
            req.reply(Reply.ok(out));
            stream.start(); // after the answer: the client knows the watch before its first event
        }
        if (s.isClosed()) ended(s); // it ended meanwhile: leave nothing behind
    }

    private void unsubscribe(Request req) {
        String watchId = req.frame().string("watch");
        Map<String, PresenceStream> mine = watches.get(req.session());
        PresenceStream stream = mine == null ? null : mine.remove(watchId);
        if (stream == null) throw invalid("no presence watch " + watchId + " on this session");
        stream.close();
        watches.computeIfPresent(req.session(), (k, m) -> m.isEmpty() ? null : m);
        req.reply(Reply.ok(Map.of()));
    }

    /** The session ended: its watches close. */
    public void ended(Session s) {
        Map<String, PresenceStream> mine = watches.remove(s);
        if (mine == null) return;
        synchronized (mine) {
            mine.values().forEach(PresenceStream::close);
            mine.clear();
        }
    }

    private List<String> peers(Frame f, PresenceSettings limits) {
        if (!(f.value("peers") instanceof List<?> raw) || raw.isEmpty()) throw invalid("peers must be a non-empty list of peer ids");
        if (raw.size() > limits.maxIdsPerWatch()) {
            limitHits.accept("presence_max_ids_per_watch");
            throw invalid("peers names " + raw.size() + " ids; a watch may name at most " + limits.maxIdsPerWatch()
                    + " (--presence-max-ids-per-watch)");
        }
        Set<String> ids = new LinkedHashSet<>();
        for (Object o : raw) {
            if (!(o instanceof String id)) throw invalid("peers must hold strings");
            String problem = Frame.keyError(id);
            if (problem != null) throw invalid("peer id " + problem);
            ids.add(id);
        }
        return new ArrayList<>(ids);
    }

    private static ProtocolException invalid(String message) {
        return new ProtocolException(ErrorCode.INVALID_ARGUMENT, message);
    }

    /** A watch's batches as the session's events. */
    private record SessionSink(Session session, String watchId) implements PresenceSink {
        @Override
        public void changes(List<String> online, List<String> offline) {
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("op", EVENT);
            event.put("watch", watchId);
            event.put("online", online);
            event.put("offline", offline);
            session.emit(event);
        }

        @Override
        public void resync() {
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("op", RESYNC_EVENT);
            event.put("watch", watchId);
            session.emit(event);
        }
    }
}
