package dev.switchboard.core.identity;

import dev.switchboard.protocol.Subjects;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Who a session's client is and what it may do: per {@link Permission}, a list of subject patterns
 * ({@code *} one token, {@code >} the rest). A subject is allowed when one pattern matches it; a
 * pattern asked for (a subscription to {@code a.*}) is allowed when one granted pattern covers
 * every subject it can match ({@link #covers}). Immutable.
 *
 * <p>The transports set it: anonymous by default ({@link #ANONYMOUS_LOCAL} on loopback and the
 * Unix socket, the ACL file's {@code anonymous} entry or {@link #nobody} elsewhere), the ACL
 * entry of a hello's token, or {@link #SHARED_TOKEN} for the {@code --auth-token}.
 *
 * <p>{@code uniquePeer}: the credential names one peer (a signed token or JWT, an ACL entry marked
 * {@code "unique": true}), so at most one session may hold its peer id and a newer session
 * replaces an older one. Otherwise (a plain ACL entry, often one service's credential shared by
 * its instances) several sessions may use the identity at once.
 */
public record Identity(String name, Map<Permission, List<String>> permissions, boolean uniquePeer) {
    private static final List<String> ALL = List.of(">");

    /** An anonymous client on loopback or the Unix socket, without an ACL file saying otherwise: everything. */
    public static final Identity ANONYMOUS_LOCAL = everything("anonymous");
    /**
     * A session restored from the store after a restart, before its client is known again: nothing
     * (identities are not saved). A native resume's hello, or the next HTTP request on the session,
     * gives it its client's identity.
     */
    public static final Identity RESTORED = nobody("restored");
    /** The shared {@code --auth-token}: everything. */
    public static final Identity SHARED_TOKEN = everything("token");

    public Identity {
        Map<Permission, List<String>> copy = new EnumMap<>(Permission.class);
        for (Permission p : Permission.values()) {
            List<String> patterns = permissions.getOrDefault(p, List.of());
            for (String pattern : patterns) {
                String problem = Subjects.patternError(pattern);
                if (problem != null) throw new IllegalArgumentException(p.key() + " pattern '" + pattern + "': " + problem);
            }
            copy.put(p, List.copyOf(patterns));
        }
        permissions = java.util.Collections.unmodifiableMap(copy);
    }

    /** An identity that several sessions may hold at once. */
    public Identity(String name, Map<Permission, List<String>> permissions) {
        this(name, permissions, false);
    }

    /** This identity, naming one peer: a newer session holding it replaces an older one. */
    public Identity asUniquePeer() {
        return uniquePeer ? this : new Identity(name, permissions, true);
    }

    /** An identity allowed every subject for every permission. */
    public static Identity everything(String name) {
        Map<Permission, List<String>> m = new EnumMap<>(Permission.class);
        for (Permission p : Permission.values()) m.put(p, ALL);
        return new Identity(name, m);
    }

    /** An identity allowed nothing (an anonymous client from another host, by default). */
    public static Identity nobody(String name) {
        return new Identity(name, Map.of());
    }

    public boolean anonymous() {
        return name.equals("anonymous");
    }

    /**
     * Whether this identity may do {@code permission} on {@code subject}, a literal subject or a
     * pattern: some granted pattern must cover it.
     */
    public boolean may(Permission permission, String subject) {
        for (String granted : permissions.get(permission)) {
            if (covers(granted, subject)) return true;
        }
        return false;
    }

    /**
     * True when every literal subject that {@code asked} matches also matches {@code granted}
     * (both valid patterns; a literal subject is a pattern without wildcards). Token by token: a
     * granted {@code >} covers one or more remaining tokens of any kind, a granted {@code *} covers
     * one token that is not {@code >}, a literal only itself.
     */
    public static boolean covers(String granted, String asked) {
        String[] g = granted.split("\\.", -1);
        String[] a = asked.split("\\.", -1);
        for (int i = 0; i < g.length; i++) {
            if (g[i].equals(">")) return i < a.length;
            if (i >= a.length) return false;
            if (g[i].equals("*")) {
                if (a[i].equals(">")) return false;
            } else if (!g[i].equals(a[i])) {
                return false;
            }
        }
        return g.length == a.length;
    }
}
