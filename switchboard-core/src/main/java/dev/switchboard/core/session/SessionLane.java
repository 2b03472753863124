package dev.switchboard.core.session;

import dev.switchboard.core.Dispatcher;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Orders an embedding program's tasks for a session ({@code executeInSession}) with the dispatch of
 * the session's requests: a task starts once every request received before it has been handed to
 * its handler, and a request received while a task waits or runs is handed over only after the
 * task has finished. Requests with no task between them are dispatched as before (concurrently for
 * a concurrent session); replies that come later (a lock wait, an asynchronous handler) are not
 * waited for.
 *
 * <p>Nothing here blocks: a held request is dispatched by the thread that finishes the task before
 * it, and a task is started (handed to the embedder's executor) by the thread that finishes the
 * last dispatch before it. The state is a small critical section under this object's monitor,
 * taken twice per request.
 */
final class SessionLane {
    /** Hands a request to its handler; {@code held} when it waited behind a task. */
    interface Dispatch {
        void run(Request request, Dispatcher dispatcher, boolean held);
    }

    private record Held(Request request, Dispatcher dispatcher) {
    }

    private final Dispatch dispatch;
    /** Requests inside their handler's dispatch now. */
    private int dispatching;
    private boolean taskRunning;
    /** Held requests and waiting tasks, in arrival order; made on first use (most sessions never need it). */
    private ArrayDeque<Object> waiting;

    SessionLane(Dispatch dispatch) {
        this.dispatch = dispatch;
    }

    /** Dispatches the request now, on this thread, or holds it behind a task. */
    void dispatch(Request request, Dispatcher dispatcher) {
        synchronized (this) {
            if (taskRunning || (waiting != null && !waiting.isEmpty())) {
                if (waiting == null) waiting = new ArrayDeque<>();
                waiting.add(new Held(request, dispatcher));
                return;
            }
            dispatching++;
        }
        run(request, dispatcher, false);
    }

    /**
     * Starts a task when its turn comes: {@code start} must not block (it hands the task to an
     * executor) and must lead to exactly one {@link #taskDone()}.
     */
    void exclusive(Runnable start) {
        synchronized (this) {
            if (taskRunning || dispatching > 0 || (waiting != null && !waiting.isEmpty())) {
                if (waiting == null) waiting = new ArrayDeque<>();
                waiting.add(start);
                return;
            }
            taskRunning = true;
        }
        start.run();
    }

    /** The running task finished: the requests held behind it are dispatched, then the next task may start. */
    void taskDone() {
        List<Held> release = new ArrayList<>();
        Runnable next = null;
        synchronized (this) {
            taskRunning = false;
            while (waiting != null && waiting.peek() instanceof Held h) {
                waiting.poll();
                release.add(h);
                dispatching++;
            }
            if (release.isEmpty()) next = nextTaskIfIdle();
        }
        for (Held h : release) run(h.request(), h.dispatcher(), true);
        if (next != null) next.run();
    }

    private void run(Request request, Dispatcher dispatcher, boolean held) {
        Runnable next;
        try {
            dispatch.run(request, dispatcher, held);
        } finally {
            synchronized (this) {
                dispatching--;
                next = nextTaskIfIdle();
            }
        }
        if (next != null) next.run();
    }

    /** Under the monitor: the task at the head, marked running, when nothing is dispatching. */
    private Runnable nextTaskIfIdle() {
        if (taskRunning || dispatching > 0 || waiting == null || !(waiting.peek() instanceof Runnable)) return null;
        taskRunning = true;
        return (Runnable) waiting.poll();
    }
}
