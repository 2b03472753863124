package dev.switchboard.server.transport.dflockd;

import dev.switchboard.protocol.Frame;
import dev.switchboard.protocol.Reply;
import dev.switchboard.server.transport.JsonSupport;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The dflockd line dialect as a codec: a parsed request becomes a core {@link Frame}, and the
 * core's {@link Reply} becomes dflockd's one-line answer. Seconds on the wire, milliseconds in the
 * core.
 */
final class DflockdCommands {
    private static final long MAX_SECONDS = 9_223_372_036L;
    private static final long MAX_LIMIT = 1 << 20;

    private DflockdCommands() {
    }

    /** The frame for a lock, stats or signal command; throws {@link DflockdParseException}. */
    static Frame toFrame(DflockdRequest req) {
        String cmd = req.command();
        Map<String, Object> f = new HashMap<>();
        switch (cmd) {
            case "l", "sl" -> {
                String key = key(req);
                List<String> a = DflockdSyntax.fields(req.arg());
                boolean sem = cmd.equals("sl");
                int min = sem ? 2 : 1;
                if (a.size() < min || a.size() > min + 1) throw argCount(req);
                long timeoutMs = timeout(a.get(0)) * 1000;
                Long limit = sem ? limit(a.get(1)) : null;
                Long leaseMs = a.size() == min + 1 ? lease(a.get(min)) * 1000 : null;
                if (!sem && leaseMs != null) {
                    // The other half of every lock cycle, as dflockd clients send it.
                    return new Frame("lock.acquire", null, Map.of("key", key, "timeout_ms", timeoutMs, "lease_ms", leaseMs));
                }
                f.put("key", key);
                f.put("timeout_ms", timeoutMs);
                if (limit != null) f.put("limit", limit);
                if (leaseMs != null) f.put("lease_ms", leaseMs);
                return new Frame(sem ? "sem.acquire" : "lock.acquire", null, f);
            }
            case "r", "sr" -> {
                // Half of every lock cycle: an immutable two-entry map, not a HashMap and its table.
                return new Frame(cmd.equals("r") ? "lock.release" : "sem.release", null,
                        Map.of("key", key(req), "token", token(req)));
            }
            case "n", "sn" -> {
                f.put("key", key(req));
                List<String> a = DflockdSyntax.fields(req.arg());
                if (a.isEmpty() || a.size() > 2) throw argCount(req);
                f.put("token", a.get(0));
                if (a.size() == 2) f.put("lease_ms", lease(a.get(1)) * 1000);
                return new Frame(cmd.equals("n") ? "lock.renew" : "sem.renew", null, f);
            }
            case "e", "se" -> {
                f.put("key", key(req));
                List<String> a = DflockdSyntax.fields(req.arg());
                boolean sem = cmd.equals("se");
                int min = sem ? 1 : 0;
                if (a.size() < min || a.size() > min + 1) throw argCount(req);
                if (sem) f.put("limit", limit(a.get(0)));
                if (a.size() == min + 1) f.put("lease_ms", lease(a.get(min)) * 1000);
                return new Frame(sem ? "sem.enqueue" : "lock.enqueue", null, f);
            }
            case "w", "sw" -> {
                f.put("key", key(req));
                String t = DflockdSyntax.trimSpace(req.arg());
                if (t.isEmpty()) throw argCount(req);
                f.put("timeout_ms", timeout(t) * 1000);
                return new Frame(cmd.equals("w") ? "lock.wait" : "sem.wait", null, f);
            }
            case "stats" -> {
                return new Frame("stats", null, f);
            }
            case "listen", "unlisten" -> {
                f.put("pattern", key(req));
                f.put("group", DflockdSyntax.trimSpace(req.arg()));
                return new Frame(cmd.equals("listen") ? "signal.listen" : "signal.unlisten", null, f);
            }
            case "signal" -> {
                f.put("channel", key(req));
                f.put("payload", req.arg());
                return new Frame("signal.publish", null, f);
            }
            default -> throw new DflockdParseException(3, "invalid command: " + cmd);
        }
    }

    /**
     * dflockd's answer line (without the {@code \n}) to {@code command}, given the core's reply.
     * Every error that has no status word of its own becomes a bare {@code error}.
     */
    static String format(String command, Reply reply, long defaultLeaseSeconds) {
        if (reply.isError()) {
            return switch (reply.error()) {
                case MAX_LOCKS -> "error_max_locks";
                case MAX_WAITERS -> "error_max_waiters";
                case LIMIT_MISMATCH -> "error_limit_mismatch";
                case NOT_ENQUEUED -> "error_not_enqueued";
                case ALREADY_ENQUEUED -> "error_already_enqueued";
                case DRAINING -> "error_draining";
                // dflockd answers an expired renewal with a bare error, an expired wait with the status word.
                case LEASE_EXPIRED -> command.equals("n") || command.equals("sn") ? "error" : "error_lease_expired";
                default -> "error";
            };
        }
        Map<String, Object> r = reply.result();
        switch (command) {
            case "l", "sl", "w", "sw", "e", "se" -> {
                String status = reply.status();
                if ("acquired".equals(status)) {
                    long lease = ((Number) r.get("lease_ms")).longValue() / 1000;
                    String word = command.endsWith("e") ? "acquired" : "ok";
                    return word + " " + r.get("token") + " " + (lease == 0 ? defaultLeaseSeconds : lease);
                }
                return status; // "timeout" or "queued"
            }
            case "n", "sn" -> {
                return "ok " + ((Number) r.get("lease_ms")).longValue() / 1000;
            }
            case "signal" -> {
                return "ok " + r.get("delivered");
            }
            case "stats" -> {
                return "ok " + DflockdStats.render(r);
            }
            default -> {
                return "ok";
            }
        }
    }

    /**
     * Go's encoding/json escapes {@code <}, {@code >}, {@code &}, U+2028 and U+2029 inside strings;
     * none of them can occur in JSON outside a string, so replacing them everywhere is exact.
     */
    static String escapeLikeGo(String json) {
        StringBuilder sb = null;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            String esc = switch (c) {
                case '<' -> "\\u003c";
                case '>' -> "\\u003e";
                case '&' -> "\\u0026";
                case '\u2028' -> "\\u2028";
                case '\u2029' -> "\\u2029";
                default -> null;
            };
            if (esc != null && sb == null) sb = new StringBuilder(json.length() + 16).append(json, 0, i);
            if (sb != null) {
                if (esc != null) sb.append(esc);
                else sb.append(c);
            }
        }
        return sb == null ? json : sb.toString();
    }

    private static String key(DflockdRequest req) {
        String key = req.key();
        if (key.isEmpty()) throw new DflockdParseException(5, "empty key");
        if (Frame.keyError(key) != null) throw new DflockdParseException(5, "invalid key");
        return key;
    }

    private static String token(DflockdRequest req) {
        String token = DflockdSyntax.trimSpace(req.arg());
        if (token.isEmpty()) throw new DflockdParseException(7, "empty token");
        return token;
    }

    private static long timeout(String s) {
        long v = DflockdSyntax.parseInt(s);
        if (v < 0 || v > MAX_SECONDS) throw new DflockdParseException(6, "invalid timeout: " + s);
        return v;
    }

    private static long lease(String s) {
        long v = DflockdSyntax.parseInt(s);
        if (v <= 0 || v > MAX_SECONDS) throw new DflockdParseException(9, "invalid lease: " + s);
        return v;
    }

    private static long limit(String s) {
        long v = DflockdSyntax.parseInt(s);
        if (v <= 0 || v > MAX_LIMIT) throw new DflockdParseException(13, "invalid limit: " + s);
        return v;
    }

    private static DflockdParseException argCount(DflockdRequest req) {
        return new DflockdParseException(8, "wrong argument count for " + req.command());
    }
}
