package dev.switchboard.core.identity;

/** What an identity may do with a subject, each granted by a list of subject patterns. */
public enum Permission {
    /** {@code topic.publish}, {@code signal.publish}, dflockd {@code signal}: the topic. */
    PUBLISH("publish"),
    /** {@code topic.subscribe}, {@code signal.listen}, dflockd {@code listen}, {@code topic.history}: the pattern. */
    SUBSCRIBE("subscribe"),
    /** {@code rpc.call} and its kin: the name called. */
    CALL("call"),
    /** {@code rpc.serve}: the pattern served. */
    SERVE("serve");

    private final String key;

    Permission(String key) {
        this.key = key;
    }

    /** The key of this permission's list in the ACL file. */
    public String key() {
        return key;
    }
}
