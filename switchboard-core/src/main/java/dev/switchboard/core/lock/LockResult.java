package dev.switchboard.core.lock;

import dev.switchboard.protocol.json.CompactJson;
import dev.switchboard.protocol.json.JsonWritable;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import tools.jackson.core.JsonGenerator;

/**
 * The result of a lock or semaphore operation: {@code status}, {@code token}, {@code lease_ms},
 * each present or not, in that order. A reply carries one per request, so it is a small typed
 * object rather than a LinkedHashMap: the native protocol writes it straight with the streaming
 * generator ({@link JsonWritable}), and the other protocols, which read results as maps, still
 * can (it is a read-only {@code Map}, with the same entries in the same order).
 */
final class LockResult extends AbstractMap<String, Object> implements JsonWritable {
    static final LockResult QUEUED = new LockResult("queued", null, -1);
    static final LockResult TIMEOUT = new LockResult("timeout", null, -1);
    static final LockResult RELEASED = new LockResult(null, null, -1);

    private final String status;
    private final String token;
    private final long leaseMs; // -1: absent

    private LockResult(String status, String token, long leaseMs) {
        this.status = status;
        this.token = token;
        this.leaseMs = leaseMs;
    }

    static LockResult acquired(String token, long leaseMs) {
        return new LockResult("acquired", token, leaseMs);
    }

    static LockResult renewed(long leaseMs) {
        return new LockResult(null, null, leaseMs);
    }

    @Override
    public void writeJson(JsonGenerator g) {
        g.writeStartObject();
        if (status != null) g.writeStringProperty("status", status);
        if (token != null) g.writeStringProperty("token", token);
        if (leaseMs >= 0) g.writeNumberProperty("lease_ms", leaseMs);
        g.writeEndObject();
    }

    @Override
    public boolean plainValuesOnly() {
        return true;
    }

    @Override
    public boolean writeCompact(CompactJson out) {
        if (status != null && !CompactJson.isPlain(status) || token != null && !CompactJson.isPlain(token)) {
            return false;
        }
        int start = out.position();
        if (status != null) out.stringField("status", status);
        if (token != null) out.stringField("token", token);
        if (leaseMs >= 0) out.numberField("lease_ms", leaseMs);
        out.endObject(start);
        return true;
    }

    // Direct lookups: the dflockd protocols read the token and lease of every grant this way.
    @Override
    public Object get(Object name) {
        if ("status".equals(name)) return status;
        if ("token".equals(name)) return token;
        if ("lease_ms".equals(name)) return leaseMs >= 0 ? leaseMs : null;
        return null;
    }

    @Override
    public boolean containsKey(Object name) {
        return get(name) != null;
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
        List<Entry<String, Object>> entries = new ArrayList<>(3);
        if (status != null) entries.add(new SimpleImmutableEntry<>("status", status));
        if (token != null) entries.add(new SimpleImmutableEntry<>("token", token));
        if (leaseMs >= 0) entries.add(new SimpleImmutableEntry<>("lease_ms", leaseMs));
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<String, Object>> iterator() {
                return java.util.Collections.unmodifiableList(entries).iterator();
            }

            @Override
            public int size() {
                return entries.size();
            }
        };
    }

}
