package dev.switchboard.server.cli;

import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Option defaults from the environment: {@code SWITCHBOARD_<NAME>} first, then dflockd's
 * variable for the same option (so a dflockd deployment keeps its settings), then the built-in
 * default. A flag on the command line beats them all.
 */
final class EnvironmentDefaults implements CommandLine.IDefaultValueProvider {
    /** dflockd's variable names (and legacy aliases), by option name. */
    private static final Map<String, List<String>> DFLOCKD_NAMES = Map.ofEntries(
            Map.entry("--host", List.of("DFLOCKD_HOST")),
            Map.entry("--port", List.of("DFLOCKD_PORT")),
            Map.entry("--default-lease-ttl", List.of("DFLOCKD_DEFAULT_LEASE_TTL_S")),
            Map.entry("--lease-sweep-interval", List.of("DFLOCKD_LEASE_SWEEP_INTERVAL_S")),
            Map.entry("--gc-interval", List.of("DFLOCKD_GC_INTERVAL_S", "DFLOCKD_GC_LOOP_SLEEP")),
            Map.entry("--gc-max-idle", List.of("DFLOCKD_GC_MAX_IDLE_S", "DFLOCKD_GC_MAX_UNUSED_TIME")),
            Map.entry("--max-locks", List.of("DFLOCKD_MAX_LOCKS")),
            Map.entry("--max-waiters", List.of("DFLOCKD_MAX_WAITERS")),
            Map.entry("--max-connections", List.of("DFLOCKD_MAX_CONNECTIONS")),
            Map.entry("--max-connections-per-ip", List.of("DFLOCKD_MAX_CONNECTIONS_PER_IP")),
            Map.entry("--max-subscriptions", List.of("DFLOCKD_MAX_SUBSCRIPTIONS")),
            Map.entry("--read-timeout", List.of("DFLOCKD_READ_TIMEOUT_S")),
            Map.entry("--write-timeout", List.of("DFLOCKD_WRITE_TIMEOUT_S")),
            Map.entry("--shutdown-timeout", List.of("DFLOCKD_SHUTDOWN_TIMEOUT_S")),
            Map.entry("--auto-release-on-disconnect", List.of("DFLOCKD_AUTO_RELEASE_ON_DISCONNECT")),
            Map.entry("--tls-cert", List.of("DFLOCKD_TLS_CERT")),
            Map.entry("--tls-key", List.of("DFLOCKD_TLS_KEY")),
            Map.entry("--fence-state-file", List.of("DFLOCKD_FENCE_STATE_FILE")),
            Map.entry("--debug", List.of("DFLOCKD_DEBUG")),
            Map.entry("--http-port", List.of("DFLOCKD_HTTP_PORT")),
            Map.entry("--http-host", List.of("DFLOCKD_HTTP_HOST")),
            Map.entry("--http-session-idle-timeout", List.of("DFLOCKD_HTTP_SESSION_IDLE_S")),
            Map.entry("--http-max-sessions", List.of("DFLOCKD_HTTP_MAX_SESSIONS")),
            Map.entry("--http-max-sessions-per-ip", List.of("DFLOCKD_HTTP_MAX_SESSIONS_PER_IP")),
            Map.entry("--http-max-connections-per-ip", List.of("DFLOCKD_HTTP_MAX_CONNECTIONS_PER_IP")),
            Map.entry("--http-rate-limit-per-ip", List.of("DFLOCKD_HTTP_RATE_LIMIT_PER_IP")),
            Map.entry("--http-rate-limit-burst", List.of("DFLOCKD_HTTP_RATE_LIMIT_BURST")),
            Map.entry("--http-cors-allowed-origins", List.of("DFLOCKD_HTTP_CORS_ALLOWED_ORIGINS")),
            Map.entry("--http-sse-ping-interval", List.of("DFLOCKD_HTTP_SSE_PING_S")),
            // dflockd's cluster branch names its admin token so; the server and the `sessions` commands read it.
            Map.entry("--admin-token", List.of("DFLOCKD_ADMIN_TOKEN")),
            Map.entry("--admin-token-file", List.of("DFLOCKD_ADMIN_TOKEN_FILE")),
            // The openzro relay's own variables (its flags' names with OZ_), so its deployment's settings carry over.
            Map.entry("--relay-auth-secret", List.of("OZ_AUTH_SECRET")),
            Map.entry("--relay-exposed-address", List.of("OZ_EXPOSED_ADDRESS")));

    private final Map<String, String> env;

    EnvironmentDefaults(Map<String, String> env) {
        this.env = env;
    }

    /** The Switchboard variable for an option: {@code --max-locks} becomes {@code SWITCHBOARD_MAX_LOCKS}. */
    static String switchboardName(String option) {
        return "SWITCHBOARD_" + option.substring(2).replace('-', '_').toUpperCase(java.util.Locale.ROOT);
    }

    static List<String> dflockdNames(String option) {
        return DFLOCKD_NAMES.getOrDefault(option, List.of());
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option)) return null;
        String variable = variableFor(option.longestName());
        if (variable == null) return null;
        String value = env.get(variable);
        return option.type() == boolean.class || option.type() == Boolean.class ? normalizeBoolean(value) : value;
    }

    /** The variable that sets {@code option} in this environment (so errors can name it), or null. */
    String variableFor(String option) {
        if (env.get(switchboardName(option)) != null) return switchboardName(option);
        for (String alias : dflockdNames(option)) {
            if (env.get(alias) != null) return alias;
        }
        return null;
    }

    /** dflockd accepts 1/yes/true and 0/no/false in the environment; anything else is left for picocli to reject. */
    private static String normalizeBoolean(String value) {
        switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "1", "yes", "true", "on":
                return "true";
            case "0", "no", "false", "off":
                return "false";
            default:
                return value;
        }
    }
}
