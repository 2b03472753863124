package dev.switchboard.server.transport.relay;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the relay protocol refused and dropped, by reason, for the node's metrics. Every reason is
 * declared here, so that each series exists (at 0) from the start.
 */
public final class RelayStats {
    /** Why a relay connection was closed by the server: a failed Auth, a refused message, a timeout. */
    public static final List<String> CLOSE_REASONS = closeReasons();
    /** Why a Transport message was not delivered (the wire has no answer for it: the original drops too). */
    public static final List<String> DROP_REASONS = List.of("unknown_destination", "source_not_relay_id", "payload_too_large", "rate_limited");

    private final Map<String, LongAdder> closed = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> dropped = new ConcurrentHashMap<>();
    private final LongAdder admitted = new LongAdder();

    public RelayStats() {
        CLOSE_REASONS.forEach(r -> closed.put(r, new LongAdder()));
        DROP_REASONS.forEach(r -> dropped.put(r, new LongAdder()));
    }

    private static List<String> closeReasons() {
        List<String> reasons = new java.util.ArrayList<>();
        for (var r : dev.switchboard.protocol.relay.RelayProtocolException.Reason.values()) reasons.add(name(r));
        for (var r : dev.switchboard.protocol.relay.RelayTokenException.Reason.values()) reasons.add("token_" + name(r));
        reasons.addAll(List.of("auth_timeout", "auth_expected", "auth_repeated", "text_frame", "frame_too_large",
                "health_check_timeout", "token_lifetime_over", "max_sessions", "presence_max_ids", "presence_refused"));
        return List.copyOf(reasons);
    }

    static String name(Enum<?> reason) {
        return reason.name().toLowerCase(Locale.ROOT);
    }

    void closed(String reason) {
        closed.get(reason).increment();
    }

    void dropped(String reason) {
        dropped.get(reason).increment();
    }

    void admitted() {
        admitted.increment();
    }

    public long closes(String reason) {
        return closed.get(reason).sum();
    }

    public long drops(String reason) {
        return dropped.get(reason).sum();
    }

    public long admissions() {
        return admitted.sum();
    }
}
