package dev.switchboard.core.session.store;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON form of a {@link SessionRecord}, one shape wherever a record is written: a durable
 * store's files, a cluster's session records in etcd. Versioned by {@link #FORMAT}; parsing is
 * strict, so that a damaged record is reported rather than restored with defaults.
 */
public final class SessionRecordJson {
    /** The version of the layout; a record with another version is refused, not guessed at. */
    public static final int FORMAT = 1;

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private SessionRecordJson() {
    }

    /** The record as UTF-8 JSON bytes. */
    public static byte[] toJson(SessionRecord r) {
        return MAPPER.writeValueAsBytes(toTree(r));
    }

    /**
     * Parses UTF-8 JSON bytes as {@link #fromTree} does.
     *
     * @throws IllegalArgumentException or {@link tools.jackson.core.JacksonException} when the bytes are not a record
     */
    public static SessionRecord fromJson(byte[] json) {
        JsonNode root = MAPPER.readTree(json);
        return fromTree(root);
    }

    /** The record as a JSON object (to be embedded in a larger document). */
    public static ObjectNode toTree(SessionRecord r) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format", FORMAT);
        root.put("id", r.id());
        root.put("resumeKeyVerifier", r.resumeKeyVerifier());
        root.put("createdAtMillis", r.createdAtMillis());
        root.put("lastSeenMillis", r.lastSeenMillis());
        root.put("lastSeq", r.lastSeq());
        ObjectNode attributes = root.putObject("attributes");
        r.attributes().forEach(attributes::put);
        ArrayNode subscriptions = root.putArray("subscriptions");
        for (SubscriptionRecord s : r.subscriptions()) {
            subscriptions.addObject().put("pattern", s.pattern()).put("group", s.group());
        }
        ArrayNode held = root.putArray("heldLocks");
        r.heldLocks().forEach(held::add);
        root.put("kind", r.kind());
        return root;
    }

    /**
     * Parses a record strictly: every field present with its type, so that a damaged file is
     * reported rather than restored with defaults. The record's own constructor then applies the
     * same validation as for any other record.
     */
    public static SessionRecord fromTree(JsonNode root) {
        if (root == null || !root.isObject()) throw new IllegalArgumentException("not a JSON object");
        long format = longField(root, "format");
        if (format != FORMAT) throw new IllegalArgumentException("unsupported format " + format);
        JsonNode attributesNode = field(root, "attributes");
        if (!attributesNode.isObject()) throw new IllegalArgumentException("attributes is not an object");
        Map<String, String> attributes = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : attributesNode.properties()) {
            if (!e.getValue().isString()) throw new IllegalArgumentException("attribute " + e.getKey() + " is not a string");
            attributes.put(e.getKey(), e.getValue().stringValue());
        }
        JsonNode subscriptionsNode = field(root, "subscriptions");
        if (!subscriptionsNode.isArray()) throw new IllegalArgumentException("subscriptions is not an array");
        List<SubscriptionRecord> subscriptions = new ArrayList<>(subscriptionsNode.size());
        for (JsonNode s : subscriptionsNode.values()) {
            if (!s.isObject()) throw new IllegalArgumentException("a subscription is not an object");
            subscriptions.add(new SubscriptionRecord(stringField(s, "pattern"), stringField(s, "group")));
        }
        List<String> heldLocks = new ArrayList<>();
        JsonNode heldNode = root.get("heldLocks"); // absent in files written before it existed
        if (heldNode != null) {
            if (!heldNode.isArray()) throw new IllegalArgumentException("heldLocks is not an array");
            for (JsonNode h : heldNode.values()) {
                if (!h.isString()) throw new IllegalArgumentException("a held lock is not a string");
                heldLocks.add(h.stringValue());
            }
        }
        JsonNode kindNode = root.get("kind"); // absent in files written before it existed
        if (kindNode != null && !kindNode.isString()) throw new IllegalArgumentException("kind is not a string");
        return new SessionRecord(
                stringField(root, "id"),
                stringField(root, "resumeKeyVerifier"),
                attributes,
                subscriptions,
                longField(root, "createdAtMillis"),
                longField(root, "lastSeenMillis"),
                longField(root, "lastSeq"),
                heldLocks,
                kindNode == null ? SessionRecord.DEFAULT_KIND : kindNode.stringValue());
    }

    private static JsonNode field(JsonNode node, String name) {
        JsonNode v = node.get(name);
        if (v == null) throw new IllegalArgumentException("missing " + name);
        return v;
    }

    private static String stringField(JsonNode node, String name) {
        JsonNode v = field(node, name);
        if (!v.isString()) throw new IllegalArgumentException(name + " is not a string");
        return v.stringValue();
    }

    private static long longField(JsonNode node, String name) {
        JsonNode v = field(node, name);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) throw new IllegalArgumentException(name + " is not an integer");
        return v.longValue();
    }
}
