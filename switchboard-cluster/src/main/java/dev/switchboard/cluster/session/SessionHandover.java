package dev.switchboard.cluster.session;

import dev.switchboard.cluster.nats.NatsSubjects;
import dev.switchboard.core.session.Session;
import dev.switchboard.core.session.SessionEnd;
import dev.switchboard.core.session.SessionRegistry;
import dev.switchboard.core.session.store.SessionRecord;
import dev.switchboard.core.session.store.SessionRecordJson;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves a session between live nodes over NATS. Each node answers on
 * {@code <prefix>.sessions.<node id>}: asked for a session (its id and key verifier, newline
 * separated), it closes its copy — the client there hears {@code session_closed} — and answers
 * with the session's record, or with an empty body when it has no such session. Its held locks are
 * not released: they stay in etcd for the asking node to take over. The asking node restores the
 * record; the node that had it forgets it ({@code moved}) so that it does not delete
 * the record the new node writes.
 */
final class SessionHandover implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SessionHandover.class);

    /** What the node that has (or had) a session answered. */
    sealed interface Outcome permits Moved, Gone, NoNode, Unanswered {
    }

    /** It closed its copy: here is the session as it was. */
    record Moved(SessionRecord record) implements Outcome {
    }

    /** It has no such session (it ended). */
    record Gone() implements Outcome {
    }

    /** No node answers on its subject: it is dead or stopped, and its sessions are for the taking. */
    record NoNode() implements Outcome {
    }

    /** No answer in time, or NATS failed: whether the session still lives there is unknown. */
    record Unanswered(String why) implements Outcome {
    }

    private final Connection nats;
    private final NatsSubjects subjects;
    private final Duration timeout;
    private final Dispatcher dispatcher;

    SessionHandover(Connection nats, NatsSubjects subjects, String nodeId, Duration timeout, SessionRegistry registry,
                    Consumer<String> moved) {
        this.nats = nats;
        this.subjects = subjects;
        this.timeout = timeout;
        this.dispatcher = nats.createDispatcher(m -> answer(m, registry, moved));
        dispatcher.subscribe(subjects.single("sessions", nodeId));
    }

    /** On a jnats dispatcher thread: nothing here blocks (closing a session only queues work in its mailbox). */
    private void answer(Message m, SessionRegistry registry, Consumer<String> moved) {
        if (m.getReplyTo() == null) return;
        String[] ask = new String(m.getData(), StandardCharsets.UTF_8).split("\n", -1);
        Session s = ask.length == 2 ? registry.find(ask[0]) : null;
        // The asking node checked the client's key against the record's verifier; the verifier
        // here must be the session's own, so that a stale record cannot move a newer session.
        SessionRecord r = s == null || s.isClosed() || !s.resumable() ? null : registry.snapshot(s);
        if (r == null || !ask[1].equals(r.resumeKeyVerifier())) {
            nats.publish(m.getReplyTo(), new byte[0]);
            return;
        }
        moved.accept(s.id());
        // Its held locks stay in etcd for the asking node to take over (a slot it does not take runs
        // out with its lease, as a dead node's would); this node no longer touches their keys once taken.
        registry.close(s, false, SessionEnd.CLOSED_BY_SERVER, "the session was resumed on another node");
        log.info("session {} moved to another node at its client's resume", s.id());
        nats.publish(m.getReplyTo(), SessionRecordJson.toJson(r));
    }

    /** Asks {@code node} for the session; waits at most the timeout. */
    Outcome request(String node, String id, String verifier) {
        CompletableFuture<Message> answer;
        try {
            answer = nats.requestWithTimeout(subjects.single("sessions", node),
                    (id + "\n" + verifier).getBytes(StandardCharsets.UTF_8), timeout);
        } catch (RuntimeException e) {
            return new Unanswered("NATS refused the request: " + e.getMessage());
        }
        Message m;
        try {
            m = answer.get(timeout.toMillis() + 100, TimeUnit.MILLISECONDS);
        } catch (CancellationException e) {
            return new NoNode(); // jnats cancels a request NATS answered with "no responders"
        } catch (ExecutionException e) {
            if (e.getCause() instanceof CancellationException) return new NoNode();
            if (e.getCause() instanceof TimeoutException) return new Unanswered("node " + node + " did not answer in time");
            return new Unanswered("the request to node " + node + " failed: " + e.getCause());
        } catch (TimeoutException e) {
            answer.cancel(false);
            return new Unanswered("node " + node + " did not answer in time");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Unanswered("interrupted");
        }
        if (m.isStatusMessage()) {
            return m.getStatus().getCode() == 503 ? new NoNode()
                    : new Unanswered("NATS answered with status " + m.getStatus().getCode());
        }
        if (m.getData() == null || m.getData().length == 0) return new Gone();
        try {
            return new Moved(SessionRecordJson.fromJson(m.getData()));
        } catch (RuntimeException e) {
            return new Unanswered("node " + node + " answered with something that is not a session record");
        }
    }

    @Override
    public void close() {
        try {
            nats.closeDispatcher(dispatcher);
        } catch (RuntimeException e) {
            log.debug("closing the session handover subscription: {}", e.toString());
        }
    }
}
