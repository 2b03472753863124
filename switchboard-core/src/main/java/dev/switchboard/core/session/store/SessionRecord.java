package dev.switchboard.core.session.store;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link SessionStore} keeps of a session: enough for a client to resume it on a node
 * that restarted. Locks are deliberately absent: a lock outlives a restart only in the client's
 * belief, and fencing tokens exist so that nobody relies on that.
 *
 * <p>Immutable: the attribute map is copied (keeping insertion order) and validated by
 * {@link SessionAttributes#validate}, the subscription list is copied, and each {@code with...}
 * method returns a new record.
 *
 * @param id                session id: 1..{@value #MAX_ID_LENGTH} characters of
 *                          {@code [A-Za-z0-9_-]}, so that it is safe as a file name and in a URL
 * @param resumeKeyVerifier {@link SessionKeys#verifier} of the resume key (64 lowercase hex);
 *                          never the key itself, so that a leaked store does not reveal keys
 * @param attributes        small key/value facts about the session, insertion order kept
 * @param subscriptions     the session's subscriptions, in the order they were made
 * @param createdAtMillis   wall-clock creation time
 * @param lastSeenMillis    wall-clock time the client was last heard from
 * @param lastSeq           the last outbound sequence number the session assigned
 * @param heldLocks         the locks the session held when it was saved ({@code lock:<key>} or
 *                          {@code sem:<key>}); not restored, but reported lost on resume
 * @param kind              the name of the session's policy ({@code native}, {@code http}), so that it
 *                          comes back with the same lifetime
 */
public record SessionRecord(
        String id,
        String resumeKeyVerifier,
        Map<String, String> attributes,
        List<SubscriptionRecord> subscriptions,
        long createdAtMillis,
        long lastSeenMillis,
        long lastSeq,
        List<String> heldLocks,
        String kind) {

    /** The kind of a record written before kinds were saved: a native connection session. */
    public static final String DEFAULT_KIND = "native";

    /** The longest session id accepted. */
    public static final int MAX_ID_LENGTH = 128;

    public SessionRecord {
        if (!isValidId(id)) {
            throw new IllegalArgumentException("session id must be 1.." + MAX_ID_LENGTH
                    + " characters of A-Z, a-z, 0-9, '_' and '-'");
        }
        if (!SessionKeys.isVerifier(resumeKeyVerifier)) {
            throw new IllegalArgumentException("resume key verifier must be 64 lowercase hex characters");
        }
        attributes = FrozenAttributes.of(attributes);
        // List.copyOf returns an already immutable list as it is and refuses null elements.
        subscriptions = List.copyOf(Objects.requireNonNull(subscriptions, "subscriptions"));
        heldLocks = List.copyOf(Objects.requireNonNull(heldLocks, "heldLocks"));
        if (kind == null || kind.isEmpty()) kind = DEFAULT_KIND;
        if (createdAtMillis < 0 || lastSeenMillis < 0 || lastSeq < 0) {
            throw new IllegalArgumentException("times and sequence numbers must not be negative");
        }
    }

    /** A record of a native connection session. */
    public SessionRecord(String id, String resumeKeyVerifier, Map<String, String> attributes,
                         List<SubscriptionRecord> subscriptions, long createdAtMillis, long lastSeenMillis, long lastSeq,
                         List<String> heldLocks) {
        this(id, resumeKeyVerifier, attributes, subscriptions, createdAtMillis, lastSeenMillis, lastSeq, heldLocks, DEFAULT_KIND);
    }

    /** A record without held locks. */
    public SessionRecord(String id, String resumeKeyVerifier, Map<String, String> attributes,
                         List<SubscriptionRecord> subscriptions, long createdAtMillis, long lastSeenMillis, long lastSeq) {
        this(id, resumeKeyVerifier, attributes, subscriptions, createdAtMillis, lastSeenMillis, lastSeq, List.of());
    }

    public SessionRecord withHeldLocks(List<String> locks) {
        return new SessionRecord(id, resumeKeyVerifier, attributes, subscriptions, createdAtMillis, lastSeenMillis, lastSeq, locks, kind);
    }

    /** A new session: no attributes, no subscriptions, seen at its creation, nothing sent yet. */
    public static SessionRecord create(String id, String resumeKeyVerifier, long nowMillis) {
        return new SessionRecord(id, resumeKeyVerifier, FrozenAttributes.EMPTY, List.of(), nowMillis, nowMillis, 0);
    }

    /**
     * True for 1..{@value #MAX_ID_LENGTH} characters of {@code [A-Za-z0-9_-]}. Stores use it to
     * turn away a malformed id before it reaches a file name; {@link SessionKeys}
     * implementations must produce ids that pass it.
     */
    public static boolean isValidId(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_ID_LENGTH) return false;
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '-';
            if (!ok) return false;
        }
        return true;
    }

    public SessionRecord withAttributes(Map<String, String> newAttributes) {
        return new SessionRecord(id, resumeKeyVerifier, newAttributes, subscriptions, createdAtMillis, lastSeenMillis, lastSeq, heldLocks, kind);
    }

    public SessionRecord withSubscriptions(List<SubscriptionRecord> newSubscriptions) {
        return new SessionRecord(id, resumeKeyVerifier, attributes, newSubscriptions, createdAtMillis, lastSeenMillis, lastSeq, heldLocks, kind);
    }

    public SessionRecord withLastSeen(long newLastSeenMillis) {
        return new SessionRecord(id, resumeKeyVerifier, attributes, subscriptions, createdAtMillis, newLastSeenMillis, lastSeq, heldLocks, kind);
    }

    public SessionRecord withLastSeq(long newLastSeq) {
        return new SessionRecord(id, resumeKeyVerifier, attributes, subscriptions, createdAtMillis, lastSeenMillis, newLastSeq, heldLocks, kind);
    }

    /**
     * Leaves out the verifier and the attribute values: records end up in logs, a verifier there
     * helps nobody, and values may be personal (a user name, an e-mail address).
     */
    @Override
    public String toString() {
        return "SessionRecord{id=" + id + ", attributeKeys=" + attributes.keySet() + ", subscriptions=" + subscriptions
                + ", createdAtMillis=" + createdAtMillis + ", lastSeenMillis=" + lastSeenMillis
                + ", lastSeq=" + lastSeq + '}';
    }
}
