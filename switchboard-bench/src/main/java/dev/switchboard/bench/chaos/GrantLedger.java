package dev.switchboard.bench.chaos;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The fenced resource checker: every grant a chaos client sees is recorded here, with the times
 * the client itself can vouch for, and {@link #check()} looks for what a correct lock server can
 * never produce. All times are {@link System#nanoTime()} of this process.
 *
 * <p><b>A holder's interval</b> is what the client may safely treat as "I hold it":
 * {@code [reply received, min(release sent, lease start + lease, cut)]}, where the lease start is
 * when the request that (re)started the lease was <em>sent</em> (acquire, enqueue, the two-phase
 * wait that resets the lease, or a renew), since the server started the lease no earlier than it
 * received that request; "cut" counts only where the server frees the slot when the connection
 * ends (dflockd, a session lost). Every bound is taken before (or after) the causally linked event
 * at the server, so for a correct server each interval lies inside the server's own hold.
 *
 * <p><b>The checks</b>:
 * <ol>
 *   <li>Exclusion: at no instant do more intervals of one key overlap than its limit (1 for a
 *       lock). Overlap is counted only beyond {@link #TOLERANCE_NANOS}: the server measures leases
 *       in whole milliseconds on its own monotonic clock, so a lease may end up to that much before
 *       the client's nanosecond arithmetic says; below that nothing is provable.</li>
 *   <li>Fences by causality: if grant A's reply arrived before grant B's first request on the key
 *       was sent, A was granted first and its fence must be lower (the fence counter only grows).</li>
 *   <li>Fences in hold order, for locks: two grants with non-empty intervals, in order of their
 *       replies, have growing fences (the contrary means the later fence was granted while the
 *       earlier holder still held: a hidden overlap).</li>
 *   <li>Fences are unique: no fence is handed out twice.</li>
 *   <li>Except that one grant may be <em>reported</em> twice to its holder: a session that got a
 *       slot from a two-phase {@code enqueue}, lost its connection while holding it, resumed, and
 *       then asks {@code wait} on that key again is answered with the grant it still holds (its
 *       enqueue state keeps it, as in dflockd), same fence. The client saw two replies but the
 *       server made one grant, held without a break, so both intervals lie inside it: two holds of
 *       one holder with one fence on one key are {@link #sameGrant one grant} to every check.</li>
 *   <li>FIFO among waiters that stayed: a two-phase waiter X whose {@code enqueue} answered
 *       {@code queued}, and that then waited and was granted with no cut of its connection in
 *       between (it never left the queue), must be granted before any request on that key that
 *       was sent after X's {@code queued} reply arrived: X was in the queue before that request
 *       existed. So every grant of such a later request has a fence above X's. This proves
 *       "nobody overtook a waiter that stayed"; it says nothing about waiters that timed out, were
 *       cut, or whose queue place the client cannot date (single-phase acquires).</li>
 * </ol>
 */
final class GrantLedger {
    /** Clock granularity allowed between client and server views of a lease; see the class comment. */
    static final long TOLERANCE_NANOS = 1_000_000;
    private static final int KEPT_VIOLATIONS = 50;

    private final ConcurrentLinkedQueue<Hold> holds = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Hold> stayedWaiters = new ConcurrentLinkedQueue<>();

    /** One grant as one client saw it. Mutated only by the actor that got it. */
    static final class Hold {
        final Target target;
        final long fence;
        final int holder;
        /** When the request that could have led to this grant was sent: the grant is not earlier. */
        final long earliestGrantNs;
        /** When the grant's reply arrived: the grant is not later. */
        final long receivedNs;
        private volatile long safeUntilNs;
        private volatile long endedNs = Long.MAX_VALUE;
        private volatile long queuedReplyNs = -1;

        Hold(Target target, long fence, int holder, long earliestGrantNs, long receivedNs, long safeUntilNs) {
            this.target = target;
            this.fence = fence;
            this.holder = holder;
            this.earliestGrantNs = earliestGrantNs;
            this.receivedNs = receivedNs;
            this.safeUntilNs = safeUntilNs;
        }

        /** A renew sent at {@code sentNs} that the server answered with {@code leaseMs}: the slot is held until at least then. */
        void renewed(long sentNs, long leaseMs) {
            safeUntilNs = Math.max(safeUntilNs, sentNs + leaseMs * 1_000_000);
        }

        /** The client stops counting on the slot (a release about to be sent, a cut that frees it, the end). */
        void ended(long ns) {
            endedNs = Math.min(endedNs, ns);
        }

        long endNs() {
            return Math.min(endedNs, safeUntilNs);
        }

        boolean hasInterval() {
            return endNs() - receivedNs > TOLERANCE_NANOS;
        }

        @Override
        public String toString() {
            return "fence " + Long.toHexString(fence) + " holder #" + holder + " interval ["
                    + receivedNs / 1_000 + " us, " + endNs() / 1_000 + " us]";
        }
    }

    /**
     * Records a grant.
     *
     * @param earliestGrantNs when the first request that could lead to it was sent
     * @param receivedNs      when its reply arrived
     * @param leaseStartNs    when the request that started its lease was sent
     */
    Hold granted(Target target, LockWire.Granted grant, int holder, long earliestGrantNs, long receivedNs, long leaseStartNs) {
        Hold hold = new Hold(target, grant.fence(), holder, earliestGrantNs, receivedNs,
                leaseStartNs + grant.leaseMs() * 1_000_000);
        holds.add(hold);
        return hold;
    }

    /** The grant came to a two-phase waiter that stayed in the queue from its {@code queued} reply (at {@code queuedReplyNs}) on. */
    void stayedInQueue(Hold hold, long queuedReplyNs) {
        hold.queuedReplyNs = queuedReplyNs;
        stayedWaiters.add(hold);
    }

    int grants() {
        return holds.size();
    }

    int stayedWaiters() {
        return stayedWaiters.size();
    }

    /** The result of {@link #check()}: every violation is counted, the first ones described. */
    record Verdict(long violations, List<String> described, long orderedPairsChecked) {
    }

    Verdict check() {
        Findings findings = new Findings();
        Map<String, List<Hold>> byTarget = new HashMap<>();
        for (Hold h : holds) {
            byTarget.computeIfAbsent(h.target.id(), k -> new ArrayList<>()).add(h);
        }
        Map<String, List<Hold>> stayedByTarget = new HashMap<>();
        for (Hold h : stayedWaiters) {
            stayedByTarget.computeIfAbsent(h.target.id(), k -> new ArrayList<>()).add(h);
        }
        checkUniqueFences(findings);
        for (Map.Entry<String, List<Hold>> e : byTarget.entrySet()) {
            List<Hold> list = e.getValue();
            checkExclusion(e.getKey(), list, findings);
            checkCausalFences(e.getKey(), list, findings);
            if (!list.get(0).target.isSemaphore()) {
                checkHoldOrderFences(e.getKey(), list, findings);
            }
            checkFifo(e.getKey(), list, stayedByTarget.getOrDefault(e.getKey(), List.of()), findings);
        }
        return new Verdict(findings.count, List.copyOf(findings.described), findings.pairs);
    }

    private static final class Findings {
        long count;
        long pairs;
        final List<String> described = new ArrayList<>();

        void add(String what) {
            count++;
            if (described.size() < KEPT_VIOLATIONS) {
                described.add(what);
            }
        }
    }

    /** Two reports of one grant: the same holder, key and fence (see the class comment). */
    static boolean sameGrant(Hold a, Hold b) {
        return a.fence == b.fence && a.holder == b.holder && a.target.id().equals(b.target.id());
    }

    private void checkUniqueFences(Findings findings) {
        Map<Long, Hold> seen = new HashMap<>();
        for (Hold h : holds) {
            Hold before = seen.putIfAbsent(h.fence, h);
            if (before != null && !sameGrant(before, h)) {
                findings.add("fence handed out twice: " + before.target.id() + " " + before + " and " + h.target.id() + " " + h);
            }
        }
    }

    /** Sweep over interval starts and ends; more live intervals than the limit is a violation. */
    private static void checkExclusion(String id, List<Hold> list, Findings findings) {
        int limit = list.get(0).target.limit();
        List<long[]> edges = new ArrayList<>(); // {time, +1 start / -1 end, index}
        for (int i = 0; i < list.size(); i++) {
            Hold h = list.get(i);
            if (h.hasInterval()) {
                edges.add(new long[] {h.receivedNs + TOLERANCE_NANOS, 1, i});
                edges.add(new long[] {h.endNs(), -1, i});
            }
        }
        // Ends before starts at the same instant: touching intervals do not overlap.
        edges.sort(Comparator.<long[]>comparingLong(a -> a[0]).thenComparingLong(a -> a[1]));
        java.util.Set<Integer> live = new java.util.LinkedHashSet<>();
        for (long[] edge : edges) {
            int index = (int) edge[2];
            if (edge[1] < 0) {
                live.remove(index);
                continue;
            }
            live.add(index);
            if (live.size() > limit) {
                StringBuilder who = new StringBuilder();
                for (int i : live) {
                    who.append("\n    ").append(list.get(i));
                }
                findings.add(id + ": " + live.size() + " holders at once, limit " + limit + ":" + who);
            }
        }
    }

    /** Reply of A before the first request of B was sent ⇒ fence A < fence B. */
    private static void checkCausalFences(String id, List<Hold> list, Findings findings) {
        List<Hold> byReceived = new ArrayList<>(list);
        byReceived.sort(Comparator.comparingLong(h -> h.receivedNs));
        List<Hold> byEarliest = new ArrayList<>(list);
        byEarliest.sort(Comparator.comparingLong(h -> h.earliestGrantNs));
        int next = 0;
        Hold highest = null;
        for (Hold b : byEarliest) {
            while (next < byReceived.size() && byReceived.get(next).receivedNs < b.earliestGrantNs) {
                Hold a = byReceived.get(next++);
                if (highest == null || a.fence > highest.fence) {
                    highest = a;
                }
            }
            if (highest != null && !sameGrant(highest, b)) {
                findings.pairs++;
                if (highest.fence >= b.fence) {
                    findings.add(id + ": fence went down: " + highest + " was granted before " + b
                            + " was asked for, yet has the higher fence");
                }
            }
        }
    }

    /** For a lock: holds with a non-empty interval, in reply order, have growing fences. */
    private static void checkHoldOrderFences(String id, List<Hold> list, Findings findings) {
        List<Hold> held = new ArrayList<>();
        for (Hold h : list) {
            if (h.hasInterval()) {
                held.add(h);
            }
        }
        held.sort(Comparator.comparingLong(h -> h.receivedNs));
        for (int i = 1; i < held.size(); i++) {
            if (sameGrant(held.get(i - 1), held.get(i))) continue;
            findings.pairs++;
            if (held.get(i - 1).fence >= held.get(i).fence) {
                findings.add(id + ": fences not increasing in hold order: " + held.get(i - 1) + " then " + held.get(i));
            }
        }
    }

    /** Every grant of a request sent after a stayed waiter's queued reply has a higher fence than that waiter's. */
    private static void checkFifo(String id, List<Hold> list, List<Hold> stayed, Findings findings) {
        if (stayed.isEmpty()) {
            return;
        }
        List<Hold> byEarliest = new ArrayList<>(list);
        byEarliest.sort(Comparator.comparingLong(h -> h.earliestGrantNs));
        // lowestAfter[i]: the hold with the lowest fence among byEarliest[i..].
        Hold[] lowestAfter = new Hold[byEarliest.size() + 1];
        for (int i = byEarliest.size() - 1; i >= 0; i--) {
            Hold h = byEarliest.get(i);
            lowestAfter[i] = lowestAfter[i + 1] == null || h.fence < lowestAfter[i + 1].fence ? h : lowestAfter[i + 1];
        }
        for (Hold x : stayed) {
            int first = firstRequestedAfter(byEarliest, x.queuedReplyNs);
            Hold lowest = lowestAfter[first];
            if (lowest == null || sameGrant(lowest, x)) {
                continue;
            }
            findings.pairs++;
            if (lowest.fence <= x.fence) {
                findings.add(id + ": FIFO broken: waiter " + x + " was queued before " + lowest
                        + " was asked for, stayed, and was granted after it");
            }
        }
    }

    private static int firstRequestedAfter(List<Hold> byEarliest, long ns) {
        int lo = 0;
        int hi = byEarliest.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (byEarliest.get(mid).earliestGrantNs > ns) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }
}
