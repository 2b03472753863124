package dev.switchboard.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A server on loopback answers only requests whose Host is a loopback name, an IP address or a
 * listed name, so that a DNS-rebinding page cannot use a browser to reach it.
 */
class HostPolicyTest {
    private Switchboard sb;

    @AfterEach
    void stop() {
        if (sb != null) sb.close();
    }

    @Test
    void aLoopbackServerRefusesForeignHostNamesOnEveryRoute() throws Exception {
        sb = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1)).start();
        int port = sb.port();
        for (String host : new String[] {"127.0.0.1:" + port, "localhost:" + port, "LOCALHOST", "app.localhost:" + port,
                "[::1]:" + port, "10.1.2.3"}) {
            assertThat(get("/health", host)).as(host).startsWith("HTTP/1.1 200 OK\r\n");
        }
        for (String path : new String[] {"/health", "/v1/locks/k", "/api/v1/sessions", "/metrics"}) {
            String answer = get(path, "rebind.example:" + port);
            assertThat(answer).as(path).startsWith("HTTP/1.1 403 Forbidden\r\n").contains("Connection: close\r\n")
                    .contains("host_not_allowed").contains("--http-allowed-hosts");
        }
        assertThat(get("/health", null)).as("no Host: not a browser").startsWith("HTTP/1.1 200 OK\r\n");
        assertThat(get("/metrics", "127.0.0.1")).contains("switchboard_http_refused_total{reason=\"host\"} 4.0");
    }

    @Test
    void listedHostsAreServed() throws Exception {
        sb = Switchboard.builder().port(0).httpAllowedHosts(List.of("Switchboard.Internal")).shutdownTimeout(Duration.ofSeconds(1)).start();
        assertThat(get("/health", "switchboard.internal:" + sb.port())).startsWith("HTTP/1.1 200 OK\r\n");
        assertThat(get("/health", "other.internal")).startsWith("HTTP/1.1 403 Forbidden\r\n");
        sb.close();
        sb = Switchboard.builder().port(0).httpAllowedHosts(List.of("*")).shutdownTimeout(Duration.ofSeconds(1)).start();
        assertThat(get("/health", "anything.example")).startsWith("HTTP/1.1 200 OK\r\n");
    }

    private String get(String path, String host) throws Exception {
        String request = host == null ? "GET " + path + " HTTP/1.0\r\n" : "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n";
        return RawExchange.exchange(sb.port(), request + "Connection: close\r\n\r\n");
    }
}
