package dev.switchboard.core.session.store;

import java.util.Objects;

/**
 * One subscription of a stored session, as the topic tree knows it: a subject pattern and a queue
 * group ({@code ""} for none, the same convention as the topic tree, so a restored subscription
 * can be handed back to it unchanged).
 */
public record SubscriptionRecord(String pattern, String group) {
    public SubscriptionRecord {
        Objects.requireNonNull(pattern, "pattern");
        if (pattern.isEmpty()) throw new IllegalArgumentException("subscription pattern must not be empty");
        group = group == null ? "" : group;
        // A lone surrogate cannot be encoded as UTF-8: a durable store would write a file it
        // cannot read back, so it is refused here rather than discovered at the next restart.
        if (!SessionAttributes.isWellFormed(pattern)) {
            throw new IllegalArgumentException("subscription pattern is not valid Unicode");
        }
        if (!SessionAttributes.isWellFormed(group)) {
            throw new IllegalArgumentException("subscription group is not valid Unicode");
        }
    }

    /** A subscription without a queue group. */
    public static SubscriptionRecord of(String pattern) {
        return new SubscriptionRecord(pattern, "");
    }
}
