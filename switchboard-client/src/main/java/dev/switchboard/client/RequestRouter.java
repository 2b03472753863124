package dev.switchboard.client;

import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Sends each request on the connection in use. While the client is reconnecting it holds new
 * requests, in the order they were issued, and sends them on the new connection before anything
 * else, or fails them unsent ({@link ConnectionClosedException}) when their time runs out first.
 * Once the client has stopped for good every request fails at once.
 */
final class RequestRouter {
    /** A request issued while reconnecting, sent when the connection is back. */
    private static final class Waiter {
        final Outgoing msg;
        final long deadlineNanos;
        final boolean callerWaits;
        final Consumer<Answer> onLateResult;
        final CompletableFuture<Answer> result = new CompletableFuture<>();
        ScheduledFuture<?> timer;

        Waiter(Outgoing msg, long deadlineNanos, boolean callerWaits, Consumer<Answer> onLateResult) {
            this.msg = msg;
            this.deadlineNanos = deadlineNanos;
            this.callerWaits = callerWaits;
            this.onLateResult = onLateResult;
        }
    }

    private final EventLoop loop;
    // Why the last connection went away, to explain a request that waited for a reconnect in vain.
    private final Supplier<Throwable> lastDisconnect;
    // Guards the swap of "ready" and the queue of requests waiting for a reconnect.
    private final Object stateLock = new Object();
    // Completed with the connection in use; incomplete while (re)connecting; failed once the
    // client stopped for good.
    private volatile CompletableFuture<Connection> ready = new CompletableFuture<>();
    private final List<Waiter> waiting = new ArrayList<>();
    private volatile ConnectionClosedException stopped;

    RequestRouter(EventLoop loop, Supplier<Throwable> lastDisconnect) {
        this.loop = loop;
        this.lastDisconnect = lastDisconnect;
    }

    /**
     * Sends on the connection in use; while reconnecting, queues the request until the new
     * connection is up or {@code timeout} runs out (then it fails with
     * {@link ConnectionClosedException}, unsent).
     *
     * @param timeout client-side limit on the answer; null = none
     * @param onLateResult sees a result that arrives after the caller stopped waiting; null = drop it
     */
    CompletableFuture<Answer> send(Outgoing msg, Duration timeout, Consumer<Answer> onLateResult) {
        return send(msg, timeout, false, onLateResult);
    }

    /**
     * As {@link #send(Outgoing, Duration, Consumer)}; with {@code callerWaits} the caller blocks on
     * the answer and enforces {@code timeout} on it itself (see {@link Connection#request}).
     */
    CompletableFuture<Answer> send(Outgoing msg, Duration timeout, boolean callerWaits, Consumer<Answer> onLateResult) {
        for (;;) {
            CompletableFuture<Connection> r = ready;
            if (r.isDone()) {
                if (r.isCompletedExceptionally()) {
                    return CompletableFuture.failedFuture(stoppedException());
                }
                Connection c = r.join();
                // A closed connection whose loss did not swap "ready" (the swap happens before
                // the close is visible): no reconnect is coming, so fail fast through it.
                if (!c.isClosed() || ready == r) {
                    return c.request(msg, timeout, callerWaits, onLateResult);
                }
                continue;
            }
            Waiter w = new Waiter(msg, timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos(), callerWaits, onLateResult);
            synchronized (stateLock) {
                if (ready != r || r.isDone()) {
                    continue;
                }
                waiting.add(w);
            }
            if (timeout != null) {
                try {
                    w.timer = loop.schedule(() -> {
                        w.result.completeExceptionally(new ConnectionClosedException("not reconnected within "
                                + timeout.toMillis() + " ms; " + msg.op() + " was not sent", lastDisconnect.get()));
                    }, timeout.toMillis(), TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException e) {
                    w.result.completeExceptionally(new ConnectionClosedException("the client is closed", e));
                }
            }
            return w.result;
        }
    }

    /** The connection in use went away and a new one is coming: hold requests from now on. */
    void reconnecting() {
        synchronized (stateLock) {
            if (ready.isDone() && !ready.isCompletedExceptionally()) {
                ready = new CompletableFuture<>();
            }
        }
    }

    /**
     * {@code c} is the connection in use from now on: sends the requests that waited for it,
     * before anyone else can send on it.
     */
    void connected(Connection c) {
        synchronized (stateLock) {
            CompletableFuture<Connection> r = ready;
            if (r.isDone()) {
                ready = CompletableFuture.completedFuture(c);
            } else {
                r.complete(c);
            }
            List<Waiter> toSend = new ArrayList<>(waiting);
            waiting.clear();
            // Sent before anyone else can send on c: they wait on this monitor or their writes
            // are queued behind this task on the loop.
            for (Waiter waiter : toSend) {
                sendWaiter(waiter, c);
            }
        }
    }

    /** The client stopped for good: fails the waiting requests, and every later one, with {@code cause}. */
    void stop(ConnectionClosedException cause) {
        List<Waiter> toFail;
        synchronized (stateLock) {
            stopped = cause;
            CompletableFuture<Connection> r = ready;
            if (!r.completeExceptionally(cause)) {
                ready = CompletableFuture.failedFuture(cause);
            }
            toFail = new ArrayList<>(waiting);
            waiting.clear();
        }
        for (Waiter w : toFail) {
            if (w.timer != null) {
                w.timer.cancel(false);
            }
            w.result.completeExceptionally(cause);
        }
    }

    private void sendWaiter(Waiter w, Connection c) {
        if (w.timer != null) {
            w.timer.cancel(false);
        }
        if (w.result.isDone()) {
            return; // timed out or cancelled while waiting: never sent
        }
        Duration timeout = w.deadlineNanos == Long.MAX_VALUE ? null
                : Duration.ofNanos(Math.max(TimeUnit.MILLISECONDS.toNanos(1), w.deadlineNanos - System.nanoTime()));
        CompletableFuture<Answer> inner = c.request(w.msg, timeout, w.callerWaits, w.onLateResult);
        inner.whenComplete((v, e) -> {
            if (e != null) {
                w.result.completeExceptionally(Futures.unwrap(e));
            } else {
                w.result.complete(v);
            }
        });
        w.result.whenComplete((v, e) -> {
            // The caller gave up (cancel, or its own timeout): the request learns it, so that
            // its late-result hook hands back a grant that still arrives.
            if (e != null && !inner.isDone()) {
                inner.completeExceptionally(Futures.unwrap(e));
            }
        });
    }

    private ConnectionClosedException stoppedException() {
        ConnectionClosedException e = stopped;
        return e != null ? e : new ConnectionClosedException("the client is closed", null);
    }
}
