package dev.switchboard.server.transport.relay;

import java.time.Duration;

/**
 * How the openzro/NetBird relay protocol is served on {@code /relay}.
 *
 * @param authSecret          the shared secret of the relay's v2 tokens ({@code --relay-auth-secret}, or the
 *                            original's {@code --auth-secret} / {@code OZ_AUTH_SECRET}); null: no {@code /relay} route
 * @param exposedAddress      what the AuthResponse names ({@code host:port} or a {@code rel(s)://} URL); null: the listen address
 * @param authTimeout         how long a new connection may take to send its Auth (the original waits for ever)
 * @param healthInterval      how often the server sends a HealthCheck (the original's 25 s)
 * @param healthTimeout       how long after a HealthCheck the peer has to echo it before it is closed
 *                            (the original's window is the interval plus 20 s)
 * @param allowUnboundTokens  whether a token in the original's form, which names no peer id, is accepted
 * @param tokenMaxLifetime    how far ahead a token's expiry may lie
 */
public record RelaySettings(String authSecret, String exposedAddress, Duration authTimeout, Duration healthInterval,
                            Duration healthTimeout, boolean allowUnboundTokens, Duration tokenMaxLifetime) {
    public static final Duration DEFAULT_AUTH_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_HEALTH_INTERVAL = Duration.ofSeconds(25);
    public static final Duration DEFAULT_HEALTH_TIMEOUT = Duration.ofSeconds(20);
    public static final Duration DEFAULT_TOKEN_MAX_LIFETIME = Duration.ofHours(24);

    public RelaySettings {
        if (authSecret != null && authSecret.isEmpty()) authSecret = null;
        if (exposedAddress != null && exposedAddress.isBlank()) exposedAddress = null;
        positive(authTimeout, "--relay-auth-timeout");
        positive(healthInterval, "--relay-health-interval");
        positive(healthTimeout, "--relay-health-timeout");
        positive(tokenMaxLifetime, "--relay-token-max-lifetime");
        if (exposedAddress != null) {
            try {
                dev.switchboard.protocol.relay.RelayInstanceUrl.fromExposedAddress(exposedAddress, false);
            } catch (dev.switchboard.protocol.relay.RelayProtocolException e) {
                throw new IllegalArgumentException("--relay-exposed-address: " + e.getMessage(), e);
            }
        }
    }

    private static void positive(Duration d, String option) {
        if (d.isNegative() || d.isZero()) throw new IllegalArgumentException(option + " must be positive");
    }

    /** No relay: {@code /relay} answers 404. */
    public static RelaySettings off() {
        return new RelaySettings(null, null, DEFAULT_AUTH_TIMEOUT, DEFAULT_HEALTH_INTERVAL, DEFAULT_HEALTH_TIMEOUT, false,
                DEFAULT_TOKEN_MAX_LIFETIME);
    }

    public boolean enabled() {
        return authSecret != null;
    }

    public RelaySettings withSecret(String secret) {
        return new RelaySettings(secret, exposedAddress, authTimeout, healthInterval, healthTimeout, allowUnboundTokens, tokenMaxLifetime);
    }

    public RelaySettings withExposedAddress(String address) {
        return new RelaySettings(authSecret, address, authTimeout, healthInterval, healthTimeout, allowUnboundTokens, tokenMaxLifetime);
    }

    public RelaySettings withAuthTimeout(Duration d) {
        return new RelaySettings(authSecret, exposedAddress, d, healthInterval, healthTimeout, allowUnboundTokens, tokenMaxLifetime);
    }

    public RelaySettings withHealth(Duration interval, Duration timeout) {
        return new RelaySettings(authSecret, exposedAddress, authTimeout, interval, timeout, allowUnboundTokens, tokenMaxLifetime);
    }

    public RelaySettings withUnboundTokens(boolean allowed) {
        return new RelaySettings(authSecret, exposedAddress, authTimeout, healthInterval, healthTimeout, allowed, tokenMaxLifetime);
    }

    public RelaySettings withTokenMaxLifetime(Duration d) {
        return new RelaySettings(authSecret, exposedAddress, authTimeout, healthInterval, healthTimeout, allowUnboundTokens, d);
    }
}
