package dev.switchboard.server.cli;

import dev.switchboard.core.identity.Permission;
import dev.switchboard.server.identity.SignedTokens;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code switchboard token}: mints a native signed token for a peer id with the server's token
 * secret, for tests and operations; with {@code --relay}, a v2 token of the openzro relay protocol
 * with the relay's secret. Prints the token alone on standard output (a relay token's bytes in
 * standard base64, the peer id it is bound to on standard error). Exit codes: 0 done, 2 a usage
 * error (no secret, a bad peer id, pattern or TTL).
 */
@Command(name = "token", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Mint a signed identity token (needs the server's --token-secret), or with --relay a relay token (needs its --relay-auth-secret).")
final class TokenCommand implements Callable<Integer> {
    @Mixin
    TokenOptions options;
    @Mixin
    RelayTokenOptions relay;
    @Option(names = "--relay", description = "Mint a v2 token of the openzro relay protocol for /relay (base64 of its bytes) instead of a native token.")
    boolean relayMode;
    @Option(names = "--peer", paramLabel = "ID", description = "The peer id the token proves (its identity's name); required without --relay.")
    String peer;
    @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "1h", description = "How long it is valid: seconds, or a number with s, m, h or d (default: ${DEFAULT-VALUE}).")
    String ttl;
    @Option(names = "--publish", paramLabel = "PATTERN", description = "Subject pattern it may publish on (repeatable).")
    List<String> publish;
    @Option(names = "--subscribe", paramLabel = "PATTERN", description = "Subject pattern it may subscribe to (repeatable).")
    List<String> subscribe;
    @Option(names = "--call", paramLabel = "PATTERN", description = "Name pattern it may call (repeatable).")
    List<String> call;
    @Option(names = "--serve", paramLabel = "PATTERN", description = "Name pattern it may serve (repeatable).")
    List<String> serve;
    @Option(names = "--admin", description = "Also open the admin HTTP API to the token's holder (claim \"admin\": true).")
    boolean admin;
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try {
            if (relayMode) return mintRelayToken();
            if (peer == null) throw new IllegalArgumentException("--peer is required (or --relay for a relay token)");
            if (relay.peerKey != null || relay.peerId != null || relay.unbound) {
                throw new IllegalArgumentException("--peer-key, --peer-id and --unbound go with --relay");
            }
            String secret = options.secret();
            if (secret == null) throw new IllegalArgumentException("no token secret: set --token-secret, --token-secret-file or SWITCHBOARD_TOKEN_SECRET");
            SignedTokens tokens = new SignedTokens(secret, options.maxTtl(), null, Clock.systemUTC());
            spec.commandLine().getOut().println(tokens.mint(peer, parseDuration(ttl), permissions(), admin));
            return 0;
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("switchboard token: " + e.getMessage());
            return 2;
        }
    }

    private int mintRelayToken() {
        if (peer != null || permissions() != null || admin) {
            throw new IllegalArgumentException("a relay token names its peer with --peer-key or --peer-id and carries no permissions (nor --admin)");
        }
        RelayTokenOptions.Minted minted = relay.mint(parseDuration(ttl), Clock.systemUTC());
        spec.commandLine().getOut().println(minted.base64());
        if (minted.peerId() != null) spec.commandLine().getErr().println("peer id: " + minted.peerId());
        return 0;
    }

    /** Null (everything) when no pattern is given; else only the lists given grant anything. */
    private Map<Permission, List<String>> permissions() {
        Map<Permission, List<String>> m = new EnumMap<>(Permission.class);
        if (publish != null) m.put(Permission.PUBLISH, publish);
        if (subscribe != null) m.put(Permission.SUBSCRIBE, subscribe);
        if (call != null) m.put(Permission.CALL, call);
        if (serve != null) m.put(Permission.SERVE, serve);
        return m.isEmpty() ? null : m;
    }

    /** {@code 90}, {@code 90s}, {@code 15m}, {@code 1h}, {@code 7d}. */
    static Duration parseDuration(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        long unit = switch (t.isEmpty() ? ' ' : t.charAt(t.length() - 1)) {
            case 's' -> 1;
            case 'm' -> 60;
            case 'h' -> 3600;
            case 'd' -> 86400;
            default -> 0;
        };
        String number = unit == 0 ? t : t.substring(0, t.length() - 1);
        try {
            return Duration.ofSeconds(Math.multiplyExact(Long.parseLong(number), unit == 0 ? 1 : unit));
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("--ttl '" + text + "' is not a duration (e.g. 3600, 90s, 15m, 1h, 7d)");
        }
    }
}
