package dev.switchboard.core.lock;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** Collects the outcome of one lock operation and counts how often the callback ran. */
final class Outcome implements Consumer<LockOutcome> {
    private final CompletableFuture<LockOutcome> future = new CompletableFuture<>();
    private final AtomicInteger calls = new AtomicInteger();

    @Override
    public void accept(LockOutcome o) {
        calls.incrementAndGet();
        future.complete(o);
    }

    /** The outcome, waiting at most 5 s for it. */
    LockOutcome get() {
        try {
            return future.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("no outcome within 5 s", e);
        }
    }

    boolean isDone() {
        return future.isDone();
    }

    int calls() {
        return calls.get();
    }

    LockOutcome acquired() {
        LockOutcome o = get();
        assertThat(o.status()).as("outcome %s", o).isEqualTo(LockOutcome.Status.ACQUIRED);
        return o;
    }

    String token() {
        return acquired().token();
    }

    void assertFailed(LockError error) {
        LockOutcome o = get();
        assertThat(o.status()).as("outcome %s", o).isEqualTo(LockOutcome.Status.FAILED);
        assertThat(o.error()).isEqualTo(error);
    }

    void assertStatus(LockOutcome.Status status) {
        assertThat(get().status()).as("outcome %s", get()).isEqualTo(status);
    }
}
