package dev.switchboard.server.http.dflockd;

import static dev.switchboard.server.http.dflockd.Http.assertError;
import static dev.switchboard.server.http.dflockd.Http.assertNoContent;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import dev.switchboard.server.http.dflockd.Http.Resp;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** §2.3 session caps, in total and per remote IP, taken atomically under concurrent creation. */
class SessionCapsTest {

    private static List<Resp> createConcurrently(Http http, int n) {
        List<CompletableFuture<Resp>> fs = new ArrayList<>();
        for (int i = 0; i < n; i++) fs.add(http.postAsync("/v1/sessions", null));
        List<Resp> out = new ArrayList<>();
        for (CompletableFuture<Resp> f : fs) out.add(Http.join(f));
        return out;
    }

    @Test
    void globalCapUnderConcurrentCreation() {
        try (Switchboard sb = Http.config().httpMaxSessions(5).start()) {
            Http http = new Http(sb.port());
            List<Resp> rs = createConcurrently(http, 20);
            List<Resp> ok = rs.stream().filter(r -> r.status() == 200).toList();
            assertThat(ok).as("created sessions").hasSize(5);
            rs.stream().filter(r -> r.status() != 200).forEach(r -> assertError(r, 503, "max_sessions"));

            try (RawHttp other = new RawHttp("127.0.0.2", sb.port())) {
                RawHttp.Response r = other.call("POST", "/v1/sessions", null);
                assertThat(r.status()).as("global cap applies to every IP").isEqualTo(503);
                assertThat(Http.JSON.readTree(r.body()).get("error").asString()).isEqualTo("max_sessions");
            }
            String sid = ok.get(0).json().get("session_id").asString();
            assertNoContent(http.delete("/v1/sessions/" + sid));
            http.createSession();
            assertError(http.post("/v1/sessions", null), 503, "max_sessions");
        }
    }

    @Test
    void perIpCapUnderConcurrentCreation() {
        try (Switchboard sb = Http.config().httpMaxSessionsPerIp(3).start()) {
            Http http = new Http(sb.port());
            List<Resp> rs = createConcurrently(http, 20);
            List<Resp> ok = rs.stream().filter(r -> r.status() == 200).toList();
            assertThat(ok).as("created sessions").hasSize(3);
            rs.stream().filter(r -> r.status() != 200).forEach(r -> assertError(r, 503, "max_sessions_per_ip"));

            try (RawHttp other = new RawHttp("127.0.0.2", sb.port())) {
                for (int i = 0; i < 3; i++) {
                    assertThat(other.call("POST", "/v1/sessions", null).status()).as("127.0.0.2 session " + (i + 1)).isEqualTo(200);
                }
                RawHttp.Response r = other.call("POST", "/v1/sessions", null);
                assertThat(r.status()).isEqualTo(503);
                assertThat(Http.JSON.readTree(r.body()).get("error").asString()).isEqualTo("max_sessions_per_ip");
            }
            String sid = ok.get(0).json().get("session_id").asString();
            assertNoContent(http.delete("/v1/sessions/" + sid));
            http.createSession();
            assertError(http.post("/v1/sessions", null), 503, "max_sessions_per_ip");
        }
    }
}
