package dev.switchboard.cluster.etcd;

import dev.switchboard.core.lock.LockKind;
import dev.switchboard.core.lock.ResourceKey;
import io.etcd.jetcd.ByteSequence;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Where the lock engine keeps what in etcd:
 * <pre>
 * /&lt;prefix&gt;/locks/&lt;l|s&gt;/&lt;name&gt;/meta                         the key's limit, while anyone queues, then until the GC idle time
 * /&lt;prefix&gt;/locks/&lt;l|s&gt;/&lt;name&gt;/q/&lt;node&gt;-&lt;owner&gt;-&lt;unique&gt;   one waiter or holder
 * </pre>
 * Names and node ids are URL-encoded, so that neither can hold a {@code /}; the owner is the node's
 * decimal owner id and {@code unique} 16 hex digits, the last half of the token.
 */
final class EtcdLockKeys {
    private static final JsonMapper VALUES = JsonMapper.builder().build();
    private final String locks;

    EtcdLockKeys(String prefix) {
        this.locks = "/" + prefix + "/locks/";
    }

    /** Everything the engine stores. */
    String locksPrefix() {
        return locks;
    }

    String resourcePrefix(ResourceKey key) {
        return locks + (key.kind() == LockKind.LOCK ? "l/" : "s/") + encode(key.name()) + "/";
    }

    String metaKey(ResourceKey key) {
        return resourcePrefix(key) + "meta";
    }

    String queuePrefix(ResourceKey key) {
        return resourcePrefix(key) + "q/";
    }

    String waiterKey(ResourceKey key, String nodeId, long ownerId, long unique) {
        return queuePrefix(key) + encode(nodeId) + "-" + ownerId + "-" + hex16(unique);
    }

    /** The key of the resource a stored key belongs to, or null for a key that is not the engine's. */
    ResourceKey resourceOf(String storedKey) {
        if (!storedKey.startsWith(locks)) return null;
        String rest = storedKey.substring(locks.length());
        int slash = rest.indexOf('/', 2);
        if (rest.length() < 3 || rest.charAt(1) != '/' || slash < 0) return null;
        String name = decode(rest.substring(2, slash));
        return rest.charAt(0) == 'l' ? ResourceKey.lock(name) : ResourceKey.semaphore(name);
    }

    static boolean isMeta(String storedKey) {
        return storedKey.endsWith("/meta");
    }

    /** The owner id in a waiter key's last segment (the node's own numbering). */
    static long ownerOf(String waiterKey) {
        int last = waiterKey.lastIndexOf('-');
        int before = waiterKey.lastIndexOf('-', last - 1);
        try {
            return Long.parseLong(waiterKey, before + 1, last, 10);
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** The node id in a waiter key's last segment (decoded), or null for a key not in that form. */
    static String nodeOf(String waiterKey) {
        int start = waiterKey.lastIndexOf('/') + 1;
        int last = waiterKey.lastIndexOf('-');
        int before = last < 0 ? -1 : waiterKey.lastIndexOf('-', last - 1);
        return before < start ? null : decode(waiterKey.substring(start, before));
    }

    /** Whether the waiter key ends with this token's unique half. */
    static boolean hasUnique(String waiterKey, String token) {
        return waiterKey.endsWith("-" + token.substring(16));
    }

    /** dflockd's 32-hex form: the fence (here the key's create revision), then the unique half. */
    static String token(long fence, long unique) {
        return hex16(fence) + hex16(unique);
    }

    /** What a waiter key holds: enough for another node to see, and later adopt, whose slot it is. */
    static String value(String nodeId, long ownerId, long leaseMs, String token) {
        return "{\"node\":\"" + jsonEscape(nodeId) + "\",\"owner\":" + ownerId + ",\"lease_ms\":" + leaseMs
                + (token == null ? "" : ",\"token\":\"" + token + "\"") + "}";
    }

    /** What a waiter key's value says: whose slot it is, and the token once granted (null while waiting). */
    record Holder(String node, long owner, long leaseMs, String token) {
    }

    /** The value {@link #value} wrote, or null for anything else. */
    static Holder parseValue(ByteSequence value) {
        try {
            JsonNode root = VALUES.readTree(value.getBytes());
            JsonNode node = root == null ? null : root.get("node");
            JsonNode owner = root == null ? null : root.get("owner");
            if (node == null || !node.isString() || owner == null || !owner.isIntegralNumber()) return null;
            JsonNode token = root.get("token");
            return new Holder(node.stringValue(), owner.longValue(), root.path("lease_ms").asLong(0),
                    token != null && token.isString() ? token.stringValue() : null);
        } catch (RuntimeException e) {
            return null;
        }
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    /** The first key after every key starting with {@code prefix} (which ends with '/'). */
    static ByteSequence rangeEnd(String prefix) {
        return bytes(prefix.substring(0, prefix.length() - 1) + (char) (prefix.charAt(prefix.length() - 1) + 1));
    }

    static String hex16(long v) {
        String h = Long.toHexString(v);
        return "0".repeat(16 - h.length()) + h;
    }

    /** A name or node id as it appears in keys: URL-encoded, so never containing {@code /}. */
    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static String jsonEscape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }
}
