package dev.switchboard.client;

import dev.switchboard.protocol.json.CompactJson;
import java.util.Objects;
import tools.jackson.core.JsonGenerator;

/**
 * A lock or semaphore request ({@code lock.*}, {@code sem.*}): the key, the limit of a semaphore,
 * and the optional timeout, lease and token, as typed fields written straight by the generator.
 */
final class LockMessage implements Outgoing {
    private static final long ABSENT = -1;

    private final String op;
    private final Resource resource;
    private long timeoutMs = ABSENT;
    private long leaseMs = ABSENT;
    private String token;

    LockMessage(Resource resource, String op) {
        this.op = op;
        this.resource = resource;
    }

    LockMessage timeoutMs(long ms) {
        this.timeoutMs = ms;
        return this;
    }

    /** The lease to ask for; null = the server's default. */
    LockMessage lease(java.time.Duration lease) {
        if (lease != null) {
            this.leaseMs = Messages.leaseMillis(lease);
        }
        return this;
    }

    LockMessage token(String token) {
        this.token = Objects.requireNonNull(token, "token");
        return this;
    }

    @Override
    public String op() {
        return op;
    }

    @Override
    public boolean plainValuesOnly() {
        return true;
    }

    @Override
    public boolean writeCompactFields(CompactJson out) {
        String key = resource.key();
        if (!CompactJson.isPlain(key) || token != null && !CompactJson.isPlain(token)) {
            return false;
        }
        // The order of writeFields, which the tests compare byte for byte.
        out.stringField("key", key);
        if (resource.isSemaphore()) {
            out.numberField("limit", resource.limit());
        }
        if (timeoutMs != ABSENT) {
            out.numberField("timeout_ms", timeoutMs);
        }
        if (leaseMs != ABSENT) {
            out.numberField("lease_ms", leaseMs);
        }
        if (token != null) {
            out.stringField("token", token);
        }
        return true;
    }

    @Override
    public void writeFields(JsonGenerator g) {
        g.writeStringProperty("key", resource.key());
        // Sent on every sem.* operation, not only acquire/enqueue: harmless where the server
        // does not need it, and required by a strict reading of "same fields plus limit".
        if (resource.isSemaphore()) {
            g.writeNumberProperty("limit", resource.limit());
        }
        if (timeoutMs != ABSENT) {
            g.writeNumberProperty("timeout_ms", timeoutMs);
        }
        if (leaseMs != ABSENT) {
            g.writeNumberProperty("lease_ms", leaseMs);
        }
        if (token != null) {
            g.writeStringProperty("token", token);
        }
    }
}
