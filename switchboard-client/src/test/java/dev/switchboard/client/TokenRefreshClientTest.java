package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.switchboard.server.Switchboard;
import dev.switchboard.server.identity.Authentication;
import dev.switchboard.server.identity.SignedTokens;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Against a real server with short-lived signed tokens (and a one-second --token-expiry-grace): a
 * client with a token supplier refreshes its token when the server warns, and keeps its
 * connection and session past the first token's expiry; a client with a fixed token is
 * disconnected with {@code token_expired}.
 */
class TokenRefreshClientTest {
    private static final SignedTokens TOKENS = new SignedTokens("client-refresh-secret-0123456789-abcdef", Duration.ofHours(1), null,
            Clock.systemUTC());
    private static final Duration GRACE = Duration.ofSeconds(1);
    private static Switchboard server;
    private final List<SwitchboardClient> clients = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        server = Switchboard.builder().host("127.0.0.1").port(0).signedTokens(TOKENS).tokenExpiryGrace(GRACE)
                .shutdownTimeout(Duration.ofSeconds(1)).start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @AfterEach
    void closeClients() {
        clients.forEach(SwitchboardClient::close);
    }

    private SwitchboardClient connect(SwitchboardClient.Builder b) {
        SwitchboardClient c = b.port(server.port()).connect();
        clients.add(c);
        return c;
    }

    private static Instant expiryOf(String token) {
        return ((Authentication.Accepted) TOKENS.check(token)).expiresAt();
    }

    @Test
    void aSuppliedTokenIsRefreshedAndTheConnectionOutlivesTheFirstOne() {
        List<String> given = new CopyOnWriteArrayList<>();
        Supplier<String> supplier = () -> {
            String t = TOKENS.mint("alice", Duration.ofSeconds(3), null);
            given.add(t);
            return t;
        };
        List<ConnectionEvent> states = new CopyOnWriteArrayList<>();
        SwitchboardClient client = connect(SwitchboardClient.builder().tokenSupplier(supplier).onStateChange(states::add));
        String session = client.sessionId();
        Instant firstEnd = expiryOf(given.get(0)).plus(GRACE);

        await("past the first token's expiry and grace").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> Instant.now().isAfter(firstEnd.plusMillis(300)));
        assertThat(given.size()).as("the supplier was asked again when the server warned").isGreaterThanOrEqualTo(2);
        assertThat(client.ping()).isPositive();
        assertThat(client.sessionId()).isEqualTo(session);
        assertThat(states).extracting(ConnectionEvent::type).doesNotContain(ConnectionEvent.Type.DISCONNECTED);
    }

    @Test
    void aFixedTokenEndsTheConnectionWithTokenExpired() {
        List<ConnectionEvent> states = new CopyOnWriteArrayList<>();
        SwitchboardClient client = connect(SwitchboardClient.builder().authToken(TOKENS.mint("bob", Duration.ofSeconds(2), null))
                .reconnect(false).onStateChange(states::add));
        assertThat(client.ping()).isPositive();
        await("the session ends with its token").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> states.stream().anyMatch(e -> e.type() == ConnectionEvent.Type.DISCONNECTED));
        assertThat(states).filteredOn(e -> e.type() == ConnectionEvent.Type.DISCONNECTED)
                .extracting(ConnectionEvent::code).containsExactly("token_expired");
    }

    @Test
    void aTokenForAnotherIdentityIsRefused() {
        SwitchboardClient client = connect(SwitchboardClient.builder().authToken(TOKENS.mint("carol", Duration.ofMinutes(5), null)));
        assertThatThrownBy(() -> client.refreshToken(TOKENS.mint("mallory", Duration.ofMinutes(5), null)))
                .isInstanceOfSatisfying(SwitchboardException.class, e -> assertThat(e.code()).isEqualTo("forbidden"));
        String fresh = TOKENS.mint("carol", Duration.ofMinutes(10), null);
        assertThat(client.refreshToken(fresh)).isEqualTo(expiryOf(fresh));
    }
}
