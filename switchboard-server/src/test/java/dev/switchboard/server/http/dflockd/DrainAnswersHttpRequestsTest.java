package dev.switchboard.server.http.dflockd;

import static dev.switchboard.server.http.dflockd.Http.key;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import dev.switchboard.server.http.dflockd.Http.Resp;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A graceful stop waits for the answers still owed on every transport: an HTTP acquire waiting
 * in a queue is answered (here, by its timeout) before the node closes its connections, instead
 * of being cut.
 */
class DrainAnswersHttpRequestsTest {

    @Test
    void aWaitingHttpAcquireIsAnsweredBeforeTheNodeStops() throws Exception {
        Switchboard sb = Http.config().shutdownTimeout(Duration.ofSeconds(20)).start();
        Http http = new Http(sb.port());
        String holder = http.createSession();
        String waiter = http.createSession();
        String k = key("drain");
        http.acquire(holder, k);
        CompletableFuture<Resp> waiting = http.lockAsync(waiter, k, "", "{\"acquire_timeout_s\":2}");
        http.awaitLockWaiters(k, 1);

        CompletableFuture<Void> stopped = CompletableFuture.runAsync(sb::close);

        Resp answer = Http.join(waiting);
        assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
        assertThat(answer.body()).contains("\"status\":\"timeout\"");
        stopped.get(20, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(sb.isDraining()).isTrue();
    }
}
