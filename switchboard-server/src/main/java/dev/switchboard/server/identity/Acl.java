package dev.switchboard.server.identity;

import dev.switchboard.core.identity.Identity;
import dev.switchboard.core.identity.Permission;
import dev.switchboard.protocol.json.ProtocolJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * The {@code --acl FILE}: tokens mapped to identities, each with the subject patterns it may
 * {@code publish}, {@code subscribe}, {@code call} and {@code serve}, and what anonymous clients may
 * do. The format (docs/messaging.md, "Identity and permissions"):
 *
 * <pre>{@code
 * {
 *   "identities": [
 *     {"name": "billing", "token": "s3cret-billing",
 *      "publish": ["billing.>"], "subscribe": ["billing.>", "public.*"],
 *      "call": ["billing.*"], "serve": ["billing.>"]}
 *   ],
 *   "anonymous": {"subscribe": ["public.>"]},
 *   "anonymous_loopback": {"publish": [">"], "subscribe": [">"], "call": [">"], "serve": [">"]}
 * }
 * }</pre>
 *
 * A missing list grants nothing. Without {@code anonymous}, anonymous clients from other hosts may
 * do nothing; without {@code anonymous_loopback}, anonymous clients on loopback or the Unix socket
 * may do everything. Unknown keys are refused (a typo must not silently grant or deny).
 */
public final class Acl {
    /** Most identities a file may hold. */
    public static final int MAX_IDENTITIES = 10_000;

    private final List<Entry> entries;
    private final Identity anonymousRemote;
    private final Identity anonymousLocal;

    private record Entry(byte[] token, Identity identity) {
    }

    private Acl(List<Entry> entries, Identity anonymousRemote, Identity anonymousLocal) {
        this.entries = List.copyOf(entries);
        this.anonymousRemote = anonymousRemote;
        this.anonymousLocal = anonymousLocal;
    }

    /** No file: anonymous clients may do everything on loopback and nothing elsewhere. */
    public static final Acl DEFAULT = new Acl(List.of(), Identity.nobody("anonymous"), Identity.ANONYMOUS_LOCAL);

    /** Reads and checks the file; {@link IllegalArgumentException} says what is wrong, naming the file. */
    public static Acl load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("--acl " + file + ": cannot read it: " + e.getMessage());
        }
        try {
            return parse(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--acl " + file + ": " + e.getMessage());
        }
    }

    /** The ACL in {@code json}, the file's format. */
    public static Acl parse(String json) {
        JsonNode root;
        try {
            root = ProtocolJson.MAPPER.readTree(json);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException("the file must hold a JSON object");
        onlyKeys(root, "top level", Set.of("identities", "anonymous", "anonymous_loopback"));
        List<Entry> entries = new ArrayList<>();
        Set<String> tokens = new HashSet<>();
        JsonNode ids = root.path("identities");
        if (!ids.isMissingNode()) {
            if (!ids.isArray()) throw new IllegalArgumentException("identities must be a list");
            if (ids.size() > MAX_IDENTITIES) throw new IllegalArgumentException("at most " + MAX_IDENTITIES + " identities");
            for (JsonNode id : ids) {
                if (!id.isObject()) throw new IllegalArgumentException("each identity must be an object");
                onlyKeys(id, "an identity", Set.of("name", "token", "publish", "subscribe", "call", "serve", "unique"));
                String name = text(id, "name");
                String token = text(id, "token");
                if (name.equals("anonymous") || name.equals("token")) {
                    throw new IllegalArgumentException("the names 'anonymous' and 'token' are reserved");
                }
                if (!tokens.add(token)) throw new IllegalArgumentException("two identities share a token (" + name + ")");
                JsonNode unique = id.path("unique");
                if (!unique.isMissingNode() && !unique.isBoolean()) throw new IllegalArgumentException(name + ": unique must be true or false");
                Identity identity = new Identity(name, permissions(id, name));
                entries.add(new Entry(token.getBytes(StandardCharsets.UTF_8), unique.asBoolean(false) ? identity.asUniquePeer() : identity));
            }
        }
        Identity remote = root.has("anonymous")
                ? new Identity("anonymous", permissions(object(root, "anonymous"), "anonymous")) : Identity.nobody("anonymous");
        Identity local = root.has("anonymous_loopback")
                ? new Identity("anonymous", permissions(object(root, "anonymous_loopback"), "anonymous_loopback"))
                : Identity.ANONYMOUS_LOCAL;
        return new Acl(entries, remote, local);
    }

    /** The identity of a token, or null when no entry has it (compared in constant time per entry). */
    public Identity byToken(String token) {
        byte[] presented = token.strip().getBytes(StandardCharsets.UTF_8);
        Identity found = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(e.token, presented) && found == null) found = e.identity;
        }
        return found;
    }

    /** An anonymous client's identity, by where it connects from. */
    public Identity anonymous(boolean local) {
        return local ? anonymousLocal : anonymousRemote;
    }

    public boolean hasTokens() {
        return !entries.isEmpty();
    }

    /** The permission lists of {@code node} (an ACL entry or a signed token's claims), checked; {@code who} names it in errors. */
    static Map<Permission, List<String>> permissions(JsonNode node, String who) {
        Map<Permission, List<String>> m = new EnumMap<>(Permission.class);
        for (Permission p : Permission.values()) {
            JsonNode list = node.path(p.key());
            if (list.isMissingNode()) continue;
            if (!list.isArray()) throw new IllegalArgumentException(who + ": " + p.key() + " must be a list of patterns");
            List<String> patterns = new ArrayList<>();
            for (JsonNode x : list) {
                if (!x.isString()) throw new IllegalArgumentException(who + ": " + p.key() + " must hold strings");
                patterns.add(x.asString());
            }
            m.put(p, patterns);
        }
        try {
            new Identity(who, m); // checks the patterns
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(who + ": " + e.getMessage());
        }
        return m;
    }

    private static JsonNode object(JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (!n.isObject()) throw new IllegalArgumentException(key + " must be an object");
        onlyKeys(n, key, Set.of("publish", "subscribe", "call", "serve"));
        return n;
    }

    private static String text(JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null || !v.isString() || v.asString().isBlank()) {
            throw new IllegalArgumentException("each identity needs a non-empty string " + key);
        }
        return v.asString().strip();
    }

    private static void onlyKeys(JsonNode node, String where, Set<String> allowed) {
        for (Iterator<String> it = node.propertyNames().iterator(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) throw new IllegalArgumentException(where + ": unknown key '" + k + "'");
        }
    }
}
