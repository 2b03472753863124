package dev.switchboard.server.identity;

import dev.switchboard.core.identity.Identity;
import dev.switchboard.core.identity.Permission;
import dev.switchboard.protocol.json.ProtocolJson;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a signed token (native or JWT) says: the peer id it is for ({@code sub}), when it expires
 * ({@code exp}, seconds since the epoch), optionally when it starts to be valid ({@code nbf}), and
 * optionally the subject patterns it may {@code publish}, {@code subscribe}, {@code call} and
 * {@code serve}. {@code permissions} is null when the token names no list at all: such a token
 * grants everything, as the shared token does; once it names one list, a missing list grants nothing.
 * {@code admin} (claim {@code "admin": true}) also opens the admin HTTP API to the token's holder.
 */
public record TokenClaims(String peerId, Instant expiresAt, Instant notBefore, Map<Permission, List<String>> permissions,
                          boolean admin) {
    /** Longest peer id, in UTF-8 bytes: an id travels in every direct message's header. */
    public static final int MAX_PEER_ID_BYTES = 256;
    /** Names the server gives its own identities: a token must not pose as one of them. */
    private static final Set<String> RESERVED = Set.of("anonymous", "token", "restored");
    private static final Set<String> NATIVE_KEYS = Set.of("sub", "exp", "publish", "subscribe", "call", "serve", "admin");

    public TokenClaims {
        String problem = peerIdError(peerId);
        if (problem != null) throw new IllegalArgumentException(problem);
        if (permissions != null) permissions = Map.copyOf(permissions);
        identity(peerId, permissions); // checks the patterns
    }

    /** Claims without the admin claim. */
    public TokenClaims(String peerId, Instant expiresAt, Instant notBefore, Map<Permission, List<String>> permissions) {
        this(peerId, expiresAt, notBefore, permissions, false);
    }

    /** Why {@code peerId} cannot be a token's identity, or null when it can. */
    public static String peerIdError(String peerId) {
        if (peerId == null || peerId.isEmpty()) return "the peer id must not be empty";
        if (peerId.getBytes(StandardCharsets.UTF_8).length > MAX_PEER_ID_BYTES) {
            return "the peer id is longer than " + MAX_PEER_ID_BYTES + " bytes";
        }
        if (RESERVED.contains(peerId)) return "the peer id '" + peerId + "' is reserved";
        for (int i = 0; i < peerId.length(); i++) {
            char c = peerId.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c)) return "the peer id must not contain white space or control characters";
        }
        return null;
    }

    /** The session identity this token proves: named by its peer id, so it cannot claim another. */
    public Identity identity() {
        return identity(peerId, permissions);
    }

    private static Identity identity(String peerId, Map<Permission, List<String>> permissions) {
        // A token names one peer: a newer session with it replaces an older one.
        return (permissions == null ? Identity.everything(peerId) : new Identity(peerId, permissions)).asUniquePeer();
    }

    /** The claims as a native token carries them. */
    ObjectNode toJson() {
        ObjectNode o = ProtocolJson.MAPPER.createObjectNode();
        o.put("sub", peerId);
        o.put("exp", expiresAt.getEpochSecond());
        if (admin) o.put("admin", true);
        if (permissions != null) {
            for (Permission p : Permission.values()) {
                List<String> patterns = permissions.get(p);
                if (patterns == null || patterns.isEmpty()) continue;
                ArrayNode list = o.putArray(p.key());
                patterns.forEach(list::add);
            }
        }
        return o;
    }

    /**
     * The claims of a verified payload. {@code strict} (native tokens, which only Switchboard mints)
     * refuses unknown keys, so a typo cannot grant or deny silently; a JWT may carry any other
     * registered or private claim ({@code iss}, {@code aud}, {@code iat}, …), which is ignored.
     */
    static TokenClaims fromJson(JsonNode claims, boolean strict) throws TokenRefused {
        if (claims == null || !claims.isObject()) throw new TokenRefused("malformed token: the claims are not a JSON object");
        if (strict) {
            for (Iterator<String> it = claims.propertyNames().iterator(); it.hasNext(); ) {
                String key = it.next();
                if (!NATIVE_KEYS.contains(key)) throw new TokenRefused("malformed token: unknown claim '" + key + "'");
            }
        }
        JsonNode sub = claims.get("sub");
        if (sub == null || !sub.isString()) throw new TokenRefused("malformed token: no sub (the peer id)");
        String problem = peerIdError(sub.asString());
        if (problem != null) throw new TokenRefused("malformed token: " + problem);
        Instant exp = seconds(claims, "exp");
        if (exp == null) throw new TokenRefused("malformed token: no exp (every token must expire)");
        boolean namesPermissions = false;
        for (Permission p : Permission.values()) namesPermissions |= claims.has(p.key());
        Map<Permission, List<String>> permissions = null;
        if (namesPermissions) {
            try {
                permissions = Acl.permissions(claims, sub.asString());
            } catch (IllegalArgumentException e) {
                throw new TokenRefused("malformed token: " + e.getMessage());
            }
        }
        JsonNode admin = claims.get("admin");
        if (admin != null && !admin.isBoolean()) throw new TokenRefused("malformed token: admin must be true or false");
        return new TokenClaims(sub.asString(), exp, seconds(claims, "nbf"), permissions, admin != null && admin.asBoolean());
    }

    private static Instant seconds(JsonNode claims, String key) throws TokenRefused {
        JsonNode v = claims.get(key);
        if (v == null) return null;
        if (!v.isIntegralNumber() || !v.canConvertToLong()) throw new TokenRefused("malformed token: " + key + " must be whole seconds since the epoch");
        try {
            return Instant.ofEpochSecond(v.asLong());
        } catch (java.time.DateTimeException e) {
            throw new TokenRefused("malformed token: " + key + " is out of range");
        }
    }
}
