package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hundreds of requests in flight on one connection, one of them waiting all along: every answer
 * reaches its own request, and a disconnect fails them all.
 */
class ManyRequestsInFlightTest {
    @RegisterExtension
    static final LiveServer SERVER = new LiveServer();

    private static final Duration LONG = Duration.ofSeconds(20);
    private static final int REQUESTS = 700;

    @Test
    void answersReachTheirRequestsWhenIdsWrapPastAWaitingOne() throws Exception {
        try (SwitchboardClient holder = SERVER.client(); SwitchboardClient client = SERVER.client()) {
            Grant held = holder.acquire(Resource.lock("ring-held"), LONG).orElseThrow();
            // Waits while every later request comes and goes; its slot is taken the whole time.
            CompletableFuture<Optional<Grant>> waiting = client.acquireAsync(Resource.lock("ring-held"), LONG, null);
            List<CompletableFuture<Optional<Grant>>> grants = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                grants.add(client.tryAcquireAsync(Resource.lock("ring-" + i), null));
            }
            for (int i = 0; i < REQUESTS; i++) {
                Grant g = grants.get(i).get(LONG.toSeconds(), TimeUnit.SECONDS).orElseThrow();
                assertThat(g.resource()).isEqualTo(Resource.lock("ring-" + i));
            }
            assertThat(waiting).isNotDone();
            holder.release(held);
            assertThat(waiting.get(LONG.toSeconds(), TimeUnit.SECONDS)).isPresent();
        }
    }

    @Test
    void aDisconnectFailsEveryRequestInFlight() throws Exception {
        try (SwitchboardClient holder = SERVER.client();
             SwitchboardClient client = SERVER.client(b -> b.reconnect(false))) {
            holder.acquire(Resource.lock("ring-all"), LONG).orElseThrow();
            List<CompletableFuture<Optional<Grant>>> waiting = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                    waiting.add(client.acquireAsync(Resource.lock("ring-all"), LONG, null));
            }
            client.close();
            for (CompletableFuture<Optional<Grant>> w : waiting) {
                assertThat(w).failsWithin(LONG).withThrowableThat().havingCause().isInstanceOf(ConnectionClosedException.class);
            }
        }
    }
}
