package dev.switchboard.core.session;

import java.util.LinkedHashMap;
import java.util.Map;

/** An event given as its fields in wire order (a {@code lock.lost}, say): rare, so a map is fine. */
public final class FieldsEvent implements SessionEvent {
    private final Map<String, Object> fields;
    private final long size;

    /** {@code fields} must hold {@code op}; the map is copied. */
    public FieldsEvent(Map<String, Object> fields) {
        this.fields = new LinkedHashMap<>(fields);
        this.size = Outbox.sizeOf(this.fields) + Outbox.SEQ_FIELD_BYTES;
    }

    @Override
    public String op() {
        return String.valueOf(fields.get("op"));
    }

    @Override
    public Map<String, Object> message(long seq) {
        Map<String, Object> m = new LinkedHashMap<>(fields);
        if (seq > 0) m.put("seq", seq);
        return m;
    }

    @Override
    public long sizeEstimate() {
        return size;
    }
}
