package dev.switchboard.bench.chaos;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every request must get an explicit outcome (an answer, or an error with a code) by its own
 * deadline plus a margin. Each client marks the request it has in flight ({@link Slot#begin});
 * {@link #sweep()} (run every 100 ms by the soak) counts a request still unanswered past its due
 * time as a violation and cuts that client's connection, so the client carries on and one hang is
 * counted once.
 */
final class AnswerWatch {
    private static final int KEPT = 20;
    private final long marginNs;
    private final List<Slot> slots = new CopyOnWriteArrayList<>();
    private final AtomicLong hangs = new AtomicLong();
    private final List<String> described = Collections.synchronizedList(new ArrayList<>());

    AnswerWatch(long marginMs) {
        this.marginNs = TimeUnit.MILLISECONDS.toNanos(marginMs);
    }

    /** The in-flight request of one client. */
    final class Slot {
        private final String client;
        private final LockWire wire;
        private volatile long dueNs;
        private volatile String what;

        private Slot(String client, LockWire wire) {
            this.client = client;
            this.wire = wire;
        }

        /** A request is sent that the server must answer within {@code deadlineMs} (its wait timeout; 0 for the rest) plus the margin. */
        void begin(String request, long deadlineMs) {
            what = request;
            dueNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, deadlineMs)) + marginNs;
        }

        /** The request got its outcome (an answer, a refusal, or the connection broke). */
        void end() {
            dueNs = 0;
        }
    }

    Slot slot(String client, LockWire wire) {
        Slot s = new Slot(client, wire);
        slots.add(s);
        return s;
    }

    /** Counts and cuts every request overdue now. */
    void sweep() {
        long now = System.nanoTime();
        for (Slot s : slots) {
            long due = s.dueNs;
            if (due != 0 && now - due > 0) {
                s.dueNs = 0;
                hangs.incrementAndGet();
                synchronized (described) {
                    if (described.size() < KEPT) {
                        described.add(s.client + ": " + s.what + " got no answer within its deadline + "
                                + TimeUnit.NANOSECONDS.toMillis(marginNs) + " ms");
                    }
                }
                s.wire.cut();
            }
        }
    }

    long hangs() {
        return hangs.get();
    }

    List<String> described() {
        synchronized (described) {
            return List.copyOf(described);
        }
    }
}
