package dev.switchboard.core.session.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link SessionStore} shares, as seen by one process while the store is
 * open. A store implementation's test extends this and supplies a fresh, empty store.
 */
abstract class SessionStoreContract {
    protected SessionStore store;

    protected abstract SessionStore newStore() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = newStore();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    static SessionRecord record(String id, long createdAt) {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("user", "u-" + id);
        attributes.put("role", "reader");
        return new SessionRecord(id, SessionKeys.verifier("key-" + id), attributes,
                List.of(SubscriptionRecord.of("orders.*"), new SubscriptionRecord("jobs", "workers")),
                createdAt, createdAt + 5, 17);
    }

    @Test
    void aNewStoreIsEmpty() {
        assertThat(store.size()).isZero();
        assertThat(store.loadAll()).isEmpty();
        assertThat(store.find("abc")).isEmpty();
    }

    @Test
    void saveThenFindReturnsTheSameRecord() {
        SessionRecord r = record("s1", 1000);
        store.save(r);
        assertThat(store.find("s1")).contains(r);
        assertThat(store.size()).isEqualTo(1);
    }

    @Test
    void saveReplacesTheRecordWithTheSameId() {
        store.save(record("s1", 1000));
        SessionRecord replaced = record("s1", 1000).withLastSeq(99).withAttributes(Map.of("k", "v"));
        store.save(replaced);
        assertThat(store.find("s1")).contains(replaced);
        assertThat(store.size()).isEqualTo(1);
    }

    @Test
    void removeDeletesAndIsANoOpForUnknownOrMalformedIds() {
        store.save(record("s1", 1000));
        store.save(record("s2", 1000));
        store.remove("s1");
        store.remove("s1");
        store.remove("nope");
        store.remove("../s2");
        assertThat(store.find("s1")).isEmpty();
        assertThat(store.find("s2")).isPresent();
        assertThat(store.size()).isEqualTo(1);
    }

    @Test
    void touchMovesLastSeenForwardOnlyAndChangesNothingElse() {
        SessionRecord r = record("s1", 1000);
        store.save(r);
        store.touch("s1", 5000);
        assertThat(store.find("s1")).contains(r.withLastSeen(5000));
        store.touch("s1", 4000);
        assertThat(store.find("s1").orElseThrow().lastSeenMillis()).isEqualTo(5000);
    }

    @Test
    void touchOfAnUnknownIdCreatesNothing() {
        store.touch("ghost", 5000);
        store.touch("../ghost", 5000);
        assertThat(store.find("ghost")).isEmpty();
        assertThat(store.size()).isZero();
    }

    @Test
    void touchAfterRemoveDoesNotBringTheRecordBack() {
        store.save(record("s1", 1000));
        store.remove("s1");
        store.touch("s1", 9000);
        store.flush();
        assertThat(store.find("s1")).isEmpty();
    }

    @Test
    void malformedIdsAreNotFound() {
        store.save(record("s1", 1000));
        assertThat(store.find("")).isEmpty();
        assertThat(store.find("../s1")).isEmpty();
        assertThat(store.find("s1.json")).isEmpty();
    }

    @Test
    void loadAllReturnsEveryRecordOldestFirstAsASnapshot() {
        store.save(record("c", 3000));
        store.save(record("a", 1000));
        store.save(record("b2", 2000));
        store.save(record("b1", 2000));
        List<SessionRecord> all = store.loadAll();
        assertThat(all).extracting(SessionRecord::id).containsExactly("a", "b1", "b2", "c");
        assertThat(all.get(0)).isEqualTo(record("a", 1000));
        store.remove("a");
        assertThat(all).hasSize(4);
        assertThatThrownBy(() -> all.add(record("d", 1))).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void nullArgumentsAreProgrammingErrors() {
        assertThatThrownBy(() -> store.save(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> store.find(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> store.touch(null, 1)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> store.remove(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void everyOperationAfterCloseIsRefusedAndCloseIsIdempotent() {
        store.save(record("s1", 1000));
        store.close();
        store.close();
        assertThatThrownBy(() -> store.save(record("s2", 1))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.find("s1")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.touch("s1", 2)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.remove("s1")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.loadAll()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.size()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.flush()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void concurrentSavesTouchesAndRemovesFromEightThreadsAllTakeEffect() throws Exception {
        int threads = 8;
        int perThread = 100;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        String id = "t" + thread + "-" + i;
                        store.save(record(id, i));
                        store.touch(id, 100_000 + i);
                        // Every tenth record is removed again, so removes race with the rest.
                        if (i % 10 == 9) store.remove(id);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) f.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(store.size()).isEqualTo(threads * perThread * 9 / 10);
        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < perThread; i++) {
                String id = "t" + t + "-" + i;
                if (i % 10 == 9) {
                    assertThat(store.find(id)).isEmpty();
                } else {
                    assertThat(store.find(id)).contains(record(id, i).withLastSeen(100_000 + i));
                }
            }
        }
    }
}
