package dev.switchboard.server.http.dflockd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.server.Switchboard;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** §2.2 --http-max-connections-per-ip: a connection over the cap is closed with no response. */
class ConnectionsPerIpTest {
    private static Switchboard sb;

    @BeforeAll
    static void start() {
        sb = Http.config().httpMaxConnectionsPerIp(2).start();
    }

    @AfterAll
    static void stop() {
        if (sb != null) sb.close();
    }

    @Test
    void extraConnectionIsClosedWithoutAResponse() {
        try (RawHttp c1 = new RawHttp(sb.port()); RawHttp c2 = new RawHttp(sb.port())) {
            assertThat(c1.call("GET", "/health", null).status()).isEqualTo(200);
            assertThat(c2.call("GET", "/health", null).status()).isEqualTo(200);
            try (RawHttp c3 = new RawHttp(sb.port())) {
                c3.write(RawHttp.request("GET", "/health", null));
                c3.assertClosedWithoutResponse(Http.TIMEOUT);
            }
            // Another IP is not affected.
            try (RawHttp other = new RawHttp("127.0.0.2", sb.port())) {
                assertThat(other.call("GET", "/health", null).status()).isEqualTo(200);
            }
            // The first two keep working.
            assertThat(c1.call("GET", "/v1/stats", null).status()).isEqualTo(200);
            c2.close();
            await("a slot is free again once a connection closes").atMost(Http.TIMEOUT).pollInterval(Duration.ofMillis(50))
                    .ignoreExceptions().until(() -> {
                        try (RawHttp c4 = new RawHttp(sb.port())) {
                            return c4.call("GET", "/health", null).status() == 200;
                        }
                    });
        }
    }
}
