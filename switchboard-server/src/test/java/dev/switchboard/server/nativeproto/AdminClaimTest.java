package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.identity.SignedTokens;
import dev.switchboard.server.transport.http.admin.AdminApi;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A signed token with {@code "admin": true} opens the admin routes on a server that reads signed
 * tokens and has no admin token of its own; a token without the claim, an expired one and a
 * forged one do not.
 */
class AdminClaimTest {
    private static final String SECRET = "admin-claim-test-secret-0123456789-abcdef";
    private static final SignedTokens TOKENS = new SignedTokens(SECRET, Duration.ofHours(1), null, Clock.systemUTC());
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @RegisterExtension
    static final TestServer SERVER = TestServer.perClass(b -> b.signedTokens(TOKENS));

    private static int status(String adminHeader) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + SERVER.port() + "/api/v1/admin/sessions"))
                .timeout(Duration.ofSeconds(5));
        if (adminHeader != null) r.header(AdminApi.HEADER, adminHeader);
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void onlyAValidTokenWithTheAdminClaimOpensTheAdminRoutes() throws Exception {
        String admin = TOKENS.mint("ops.alice", Duration.ofMinutes(5), null, true);
        String plain = TOKENS.mint("ops.bob", Duration.ofMinutes(5), null);
        String expired = new SignedTokens(SECRET, Duration.ofHours(1), null,
                Clock.fixed(Instant.now().minus(Duration.ofHours(1)), ZoneOffset.UTC)).mint("ops.alice", Duration.ofMinutes(5), null, true);
        String forged = new SignedTokens("another-secret-0123456789-abcdefghijklmnop", Duration.ofHours(1), null, Clock.systemUTC())
                .mint("ops.alice", Duration.ofMinutes(5), null, true);

        assertThat(status(admin)).isEqualTo(200);
        for (String refused : new String[] {plain, expired, forged, "not-a-token"}) {
            assertThat(status(refused)).as(refused).isEqualTo(401);
        }
        assertThat(status(null)).isEqualTo(401);
    }
}
