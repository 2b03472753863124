package dev.switchboard.core.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.protocol.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link SessionDirectory} must do, whatever engine is behind it. An implementation's
 * test extends this class and says how to make a directory with the given bounds, and which
 * policies it offers for a resumable session and for one bound to its connection.
 */
public abstract class SessionDirectoryContract {
    /** A directory and what the contract needs of its node (public: engines in other modules make them). */
    public record Fixture(SessionDirectory directory, SessionPolicy resumable, SessionPolicy connectionBound,
                             AutoCloseable resources) {
    }

    /** A directory capped at {@code maxSessions} resumable sessions and {@code maxConnections} connections per session. */
    protected abstract Fixture newFixture(int maxSessions, int maxConnections);

    /** A node's core (in-memory engines unless a directory adds its own) with the contract's bounds. */
    protected static dev.switchboard.core.SwitchboardCore coreWith(int maxSessions, int maxConnections) {
        SessionRegistry.Lifecycle lifecycle = new SessionRegistry.Lifecycle(30_000, maxConnections, 64, true,
                maxSessions, 0, 1 << 20, dev.switchboard.core.session.store.SecureSessionKeys.INSTANCE, 60_000, 0, 0, 256, 0);
        return new dev.switchboard.core.SwitchboardCore(new dev.switchboard.core.SwitchboardCore.Settings(
                new dev.switchboard.core.lock.LockTableConfig(1024, 16, java.time.Duration.ofSeconds(1),
                        java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(60)),
                30_000, 16, null, lifecycle));
    }

    private final List<Fixture> made = new ArrayList<>();

    private Fixture fixture(int maxSessions, int maxConnections) {
        Fixture f = newFixture(maxSessions, maxConnections);
        made.add(f);
        return f;
    }

    @AfterEach
    void closeFixtures() throws Exception {
        for (Fixture f : made) f.resources().close();
    }

    /** A connection that records the events it is handed and how it was ended. */
    protected static final class Conn implements SessionConnection {
        final List<Map<String, Object>> events = new CopyOnWriteArrayList<>();
        final List<String> ends = new CopyOnWriteArrayList<>();

        @Override
        public Delivery deliver(long seq, SessionEvent event) {
            events.add(event.message(seq));
            return Delivery.ACCEPTED;
        }

        @Override
        public void disconnect(String code, String message) {
            ends.add(code);
        }
    }

    private static SessionRegistry.Opened opened(SessionRegistry.Open o) {
        assertThat(o).isInstanceOf(SessionRegistry.Opened.class);
        return (SessionRegistry.Opened) o;
    }

    private static SessionRegistry.Attach attach(SessionDirectory dir, Session s, SessionConnection c, long lastSeq) {
        CompletableFuture<SessionRegistry.Attach> out = new CompletableFuture<>();
        dir.attach(s, c, lastSeq, out::complete);
        return out.join();
    }

    private static SessionRegistry.Attach resume(SessionDirectory dir, String id, String key, SessionConnection c, long lastSeq) {
        CompletableFuture<SessionRegistry.Attach> out = new CompletableFuture<>();
        dir.resume(id, key, lastSeq, c, out::complete);
        return out.join();
    }

    private static Map<String, Object> note(int n) {
        Map<String, Object> event = new java.util.LinkedHashMap<>();
        event.put("op", "note");
        event.put("n", n);
        return event;
    }

    private static ErrorCode refusal(SessionRegistry.Attach a) {
        assertThat(a).isInstanceOf(SessionRegistry.Refused.class);
        return ((SessionRegistry.Refused) a).code();
    }

    @Test
    void aResumableSessionIsFoundByIdAndAuthenticatedOnlyByItsKey() {
        Fixture f = fixture(10, 4);
        SessionRegistry.Opened o = opened(f.directory().open(f.resumable(), 0, "test", "peer", "10.0.0.1", null));
        String id = o.session().id();

        assertThat(o.resumeKey()).isNotBlank();
        assertThat(f.directory().find(id)).isSameAs(o.session());
        assertThat(f.directory().authenticate(id, o.resumeKey())).isSameAs(o.session());
        assertThat(f.directory().authenticate(id, o.resumeKey() + "x")).isNull();
        assertThat(f.directory().authenticate("0".repeat(32), o.resumeKey())).isNull();
        assertThat(f.directory().count()).isEqualTo(1);
    }

    @Test
    void aResumeGetsTheEventsAfterItsLastSequenceThenLiveOnes() {
        Fixture f = fixture(10, 4);
        SessionRegistry.Opened o = opened(f.directory().open(f.resumable(), 0, "test", "peer", "10.0.0.1", null));
        Session s = o.session();
        for (int i = 1; i <= 3; i++) s.emit(note(i));

        Conn c = new Conn();
        SessionRegistry.Attach a = resume(f.directory(), s.id(), o.resumeKey(), c, 1);

        assertThat(a).isInstanceOf(SessionRegistry.Attached.class);
        SessionRegistry.Attached attached = (SessionRegistry.Attached) a;
        assertThat(attached.recovered()).isTrue();
        assertThat(attached.backlog()).extracting(Outbox.Event::seq).containsExactly(2L, 3L);
        s.emit(note(4));
        await().atMost(5, TimeUnit.SECONDS).until(() -> c.events.size() == 1);
        assertThat(c.events.get(0)).containsEntry("n", 4);
    }

    @Test
    void aWrongKeyAnUnknownIdAndAnEndedSessionAllLookTheSame() {
        Fixture f = fixture(10, 4);
        SessionRegistry.Opened o = opened(f.directory().open(f.resumable(), 0, "test", "peer", "10.0.0.1", null));
        String id = o.session().id();

        assertThat(refusal(resume(f.directory(), id, "not-the-key", new Conn(), 0))).isEqualTo(ErrorCode.SESSION_NOT_FOUND);
        assertThat(refusal(resume(f.directory(), "f".repeat(32), o.resumeKey(), new Conn(), 0)))
                .isEqualTo(ErrorCode.SESSION_NOT_FOUND);
        f.directory().close(o.session(), true);
        assertThat(refusal(resume(f.directory(), id, o.resumeKey(), new Conn(), 0))).isEqualTo(ErrorCode.SESSION_NOT_FOUND);
        assertThat(refusal(attach(f.directory(), o.session(), new Conn(), 0))).isEqualTo(ErrorCode.SESSION_NOT_FOUND);
    }

    @Test
    void aSessionTakesAtMostItsCapOfConnections() {
        Fixture f = fixture(10, 2);
        Session s = opened(f.directory().open(f.resumable(), 0, "test", "peer", "10.0.0.1", null)).session();
        assertThat(attach(f.directory(), s, new Conn(), 0)).isInstanceOf(SessionRegistry.Attached.class);
        Conn second = new Conn();
        assertThat(attach(f.directory(), s, second, 0)).isInstanceOf(SessionRegistry.Attached.class);
        assertThat(refusal(attach(f.directory(), s, new Conn(), 0))).isEqualTo(ErrorCode.MAX_CONNECTIONS_PER_SESSION);

        f.directory().detach(s, second);
        assertThat(attach(f.directory(), s, new Conn(), 0)).isInstanceOf(SessionRegistry.Attached.class);
    }

    @Test
    void closingEndsTheSessionAtOnceAndTellsItsConnections() {
        Fixture f = fixture(10, 4);
        Conn c = new Conn();
        Session s = opened(f.directory().open(f.resumable(), 0, "test", "peer", "10.0.0.1", c)).session();

        f.directory().close(s, true);
        f.directory().close(s, true); // idempotent

        assertThat(f.directory().find(s.id())).isNull();
        assertThat(f.directory().count()).isZero();
        assertThat(s.isClosed()).isTrue();
        await().atMost(5, TimeUnit.SECONDS).until(() -> c.ends.size() == 1);
        assertThat(c.ends).containsExactly(ErrorCode.SESSION_CLOSED.wire());
    }

    @Test
    void aConnectionBoundSessionEndsWithItsConnection() {
        Fixture f = fixture(10, 4);
        Conn c = new Conn();
        SessionRegistry.Opened o = opened(f.directory().open(f.connectionBound(), 0, "test", "peer", "10.0.0.1", c));
        assertThat(o.resumeKey()).isNull();

        f.directory().detach(o.session(), c);

        await().atMost(5, TimeUnit.SECONDS).until(() -> o.session().isClosed());
        assertThat(f.directory().find(o.session().id())).isNull();
    }

    @Test
    void theSessionCapIsNeverOvershotUnderConcurrentOpens() throws Exception {
        Fixture f = fixture(5, 4);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        AtomicInteger refused = new AtomicInteger();
        List<Session> open = new CopyOnWriteArrayList<>();
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 10; i++) {
                        SessionRegistry.Open o = f.directory().open(f.resumable(), 0, "test", "peer", "10.0.0.1", null);
                        if (o instanceof SessionRegistry.Opened opened) open.add(opened.session());
                        else {
                            assertThat(((SessionRegistry.Refused) o).code()).isEqualTo(ErrorCode.MAX_SESSIONS);
                            refused.incrementAndGet();
                        }
                    }
                }));
            }
            for (Future<?> d : done) d.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(open).hasSize(5);
        assertThat(refused).hasValue(75);
        assertThat(f.directory().count()).isEqualTo(5);

        for (Session s : open) f.directory().close(s, true);
        assertThat(f.directory().count()).isZero();
        assertThat(f.directory().open(f.resumable(), 0, "test", "peer", "10.0.0.1", null))
                .isInstanceOf(SessionRegistry.Opened.class);
    }
}
