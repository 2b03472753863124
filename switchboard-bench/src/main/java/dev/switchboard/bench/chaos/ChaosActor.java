package dev.switchboard.bench.chaos;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One chaos client: a loop of random scenarios (lock and semaphore cycles, two-phase waits,
 * renewals, holds kept past their lease, signals) on one {@link LockWire}, with cuts of its
 * connection mid-wait (scheduled on the shared cutter) and mid-hold, each followed by a resume or
 * a new connection. Every grant goes to the {@link GrantLedger} with the times the client can vouch for.
 */
final class ChaosActor implements Runnable {
    /** What the wire was doing when it was cut, for the counts. */
    private enum Phase { IDLE, WAITING, HOLDING }

    /** Opens the wire of one transport. */
    interface WireOpener {
        LockWire open(Transport transport, Random random) throws IOException;
    }

    private final int id;
    private final Transport transport;
    private final WireOpener opener;
    private final ChaosSettings settings;
    private final List<Target> locks;
    private final List<Target> semaphores;
    private final GrantLedger ledger;
    private final OpCounts counts;
    private final ScheduledExecutorService cutter;
    private final long deadlineNs;
    private final long runStartNs;
    private final Random random;
    private final AnswerWatch answers;
    /** Whether NATS or etcd are restarted during the run: their outages then give refusals of their own. */
    private final boolean enginesDisrupted;
    private AnswerWatch.Slot inFlight;

    private LockWire wire;
    private volatile Phase phase = Phase.IDLE;
    /** The phase when the last cut was made, or null when none is pending. */
    private volatile Phase phaseAtCut;
    private int seenCuts;
    private final List<GrantLedger.Hold> holding = new ArrayList<>();
    /** For each hold: how many cuts the wire had had when the request that led to it was sent. */
    private final Map<GrantLedger.Hold, Integer> cutsAtRequest = new java.util.IdentityHashMap<>();
    private final Map<Target, String> heldTokens = new HashMap<>();
    private final List<String> listening = new ArrayList<>();
    /** Keys this session may still be enqueued on at the server (a wait that a cut interrupted): when the enqueue was sent. */
    private final Map<Target, Long> enqueuedSince = new HashMap<>();

    ChaosActor(int id, Transport transport, WireOpener opener, ChaosSettings settings, List<Target> locks,
               List<Target> semaphores, GrantLedger ledger, OpCounts counts, ScheduledExecutorService cutter,
               long runStartNs, long deadlineNs, AnswerWatch answers, boolean enginesDisrupted) {
        this.id = id;
        this.transport = transport;
        this.opener = opener;
        this.settings = settings;
        this.locks = locks;
        this.semaphores = semaphores;
        this.ledger = ledger;
        this.counts = counts;
        this.cutter = cutter;
        this.runStartNs = runStartNs;
        this.deadlineNs = deadlineNs;
        this.random = new Random(settings.seed() * 1_000_003L + id);
        this.answers = answers;
        this.enginesDisrupted = enginesDisrupted;
    }

    @Override
    public void run() {
        try {
            wire = opener.open(transport, random);
            inFlight = answers.slot("client #" + id + " (" + transport + ")", wire);
        } catch (IOException | RuntimeException e) {
            counts.unexpected(transport, "could not connect: " + e);
            return;
        }
        while (System.nanoTime() < deadlineNs && !Thread.currentThread().isInterrupted()) {
            try {
                if (wire.cuts() != seenCuts) {
                    throw new IOException("cut while idle");
                }
                step();
                pause(random.nextInt(settings.maxPauseMs() + 1));
            } catch (IOException e) {
                afterBrokenConnection(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                counts.unexpected(transport, "client #" + id + ": " + e);
                phase = Phase.IDLE;
            }
        }
        finish();
    }

    private void step() throws IOException, InterruptedException {
        int dice = random.nextInt(100);
        if (dice < 30) {
            singlePhase(pick(locks));
        } else if (dice < 50) {
            singlePhase(pick(semaphores));
        } else if (dice < 85) {
            twoPhase(random.nextBoolean() ? pick(locks) : pick(semaphores));
        } else {
            signals();
        }
    }

    private Target pick(List<Target> from) {
        return from.get(random.nextInt(from.size()));
    }

    /** A wait's timeout: sometimes try-once, else up to twice the lease, so that waits often run out. */
    private long waitTimeoutMs() {
        return random.nextInt(5) == 0 ? 0 : 1 + random.nextInt((int) settings.leaseMs() * 2);
    }

    /** With the configured chance, the connection is cut at a random point of the coming wait. */
    private void maybeCutDuring(long windowMs) {
        if (windowMs > 0 && random.nextDouble() < settings.cutChance()) {
            cutter.schedule(this::cut, random.nextInt((int) windowMs + 1), TimeUnit.MILLISECONDS);
        }
    }

    private void cut() {
        phaseAtCut = phase;
        wire.cut();
    }

    private void singlePhase(Target t) throws IOException, InterruptedException {
        long timeout = waitTimeoutMs();
        maybeCutDuring(timeout);
        phase = Phase.WAITING;
        int cutsBefore = wire.cuts();
        long sent = System.nanoTime();
        LockWire.Granted g;
        try {
            g = answered("acquire " + t.id(), timeout, () -> wire.acquire(t, timeout, settings.leaseMs()));
        } catch (Refused r) {
            phase = Phase.IDLE;
            refusedAsExpected(r, "max_waiters");
            return;
        }
        long got = System.nanoTime();
        if (g == null) {
            phase = Phase.IDLE;
            counts.count(transport, t.isSemaphore() ? Op.SEM_TIMEOUT : Op.LOCK_TIMEOUT);
            return;
        }
        counts.count(transport, t.isSemaphore() ? Op.SEM_ACQUIRED : Op.LOCK_ACQUIRED);
        hold(t, g, ledger.granted(t, g, id, sent, got, sent), cutsBefore);
    }

    private void twoPhase(Target t) throws IOException, InterruptedException {
        if (enqueuedSince.containsKey(t)) {
            settleStaleEnqueue(t);
            return;
        }
        int cutsBefore = wire.cuts();
        long sentEnqueue = System.nanoTime();
        enqueuedSince.put(t, sentEnqueue);
        LockWire.Granted g;
        try {
            g = answered("enqueue " + t.id(), 0, () -> wire.enqueue(t, settings.leaseMs()));
        } catch (Refused r) {
            if ("already_enqueued".equals(r.code())) {
                // The session holds a place from an enqueue this client lost track of (its answer
                // was cut): that place, and a grant to it, may be older than this request, so the
                // checker must not date it from now. The earliest it can be is the run's start.
                enqueuedSince.put(t, runStartNs);
            } else {
                enqueuedSince.remove(t);
            }
            refusedAsExpected(r, "already_enqueued", "max_waiters");
            return;
        }
        long queuedAt = System.nanoTime();
        if (g != null) {
            enqueuedSince.remove(t);
            counts.count(transport, Op.ENQUEUE_ACQUIRED);
            hold(t, g, ledger.granted(t, g, id, sentEnqueue, queuedAt, sentEnqueue), cutsBefore);
            return;
        }
        counts.count(transport, Op.ENQUEUE_QUEUED);
        pause(random.nextInt((int) settings.leaseMs() / 4 + 1)); // work between the phases
        long timeout = waitTimeoutMs();
        maybeCutDuring(timeout);
        phase = Phase.WAITING;
        long sentWait = System.nanoTime();
        try {
            g = secondPhase(t, timeout, false);
        } catch (StillWaiting e) {
            throw new IllegalStateException("already_waiting without a cut", e); // cannot happen: settled first
        }
        long got = System.nanoTime();
        if (g == null) {
            return;
        }
        // The wait resets the lease: it runs from the wait's arrival, not from the grant.
        GrantLedger.Hold h = ledger.granted(t, g, id, sentEnqueue, got, sentWait);
        if (wire.cuts() == cutsBefore) {
            ledger.stayedInQueue(h, queuedAt);
        }
        hold(t, g, h, cutsBefore);
    }

    /** The two-phase wait: the grant, or null (counted) when it ran out or was refused; either way the key is no longer enqueued. */
    private LockWire.Granted secondPhase(Target t, long timeoutMs, boolean afterCut) throws IOException, StillWaiting {
        LockWire.Granted g = null;
        Op outcome;
        try {
            g = answered("wait " + t.id(), timeoutMs, () -> wire.await(t, timeoutMs));
            outcome = g == null ? Op.WAIT_TIMEOUT : Op.WAIT_GRANTED;
        } catch (Refused r) {
            if (afterCut && "already_waiting".equals(r.code())) {
                // The session resumed before the server saw the cut connection close: that
                // connection's wait is still pending (it is cancelled when the close is seen).
                counts.count(transport, Op.OTHER_REFUSAL);
                throw new StillWaiting();
            }
            outcome = Op.WAIT_REFUSED;
            refusedAsExpected(r, "lease_expired", "not_enqueued");
        }
        enqueuedSince.remove(t);
        counts.count(transport, outcome);
        if (g == null) {
            phase = Phase.IDLE;
        }
        return g;
    }

    /**
     * A cut interrupted a two-phase wait: the session may still be queued on the key. A wait that
     * does not block clears that state (a grant, a timeout that leaves the queue, or not_enqueued).
     */
    private void settleStaleEnqueue(Target t) throws IOException, InterruptedException {
        long since = enqueuedSince.get(t);
        int cutsBefore = wire.cuts();
        phase = Phase.WAITING;
        long sent = System.nanoTime();
        LockWire.Granted g;
        try {
            g = secondPhase(t, 0, true);
        } catch (StillWaiting e) {
            phase = Phase.IDLE;
            return; // the old connection's wait is still pending on the server: settle it next time
        }
        if (g == null) {
            return;
        }
        hold(t, g, ledger.granted(t, g, id, Math.min(since, sent), System.nanoTime(), sent), cutsBefore);
    }

    /** Holds the slot for a while: renews, keeps it past its lease on purpose, or has the connection cut, then releases. */
    private void hold(Target t, LockWire.Granted g, GrantLedger.Hold h, int cutsBefore) throws IOException, InterruptedException {
        phase = Phase.HOLDING;
        holding.add(h);
        cutsAtRequest.put(h, cutsBefore);
        heldTokens.put(t, g.token());
        long lease = g.leaseMs();
        int dice = random.nextInt(100);
        if (dice < 8) {
            counts.count(transport, Op.HELD_PAST_LEASE);
            pause(lease + 20 + random.nextInt(100));
        } else if (dice < 8 + (int) Math.round(settings.cutChance() * 100)) {
            pause(random.nextInt((int) lease / 2 + 1));
            cut();
            throw new IOException("cut mid-hold on purpose");
        } else {
            pause(random.nextInt((int) lease / 3 + 1));
            if (random.nextInt(100) < 40) {
                long sent = System.nanoTime();
                try {
                    long renewed = answered("renew " + t.id(), 0, () -> wire.renew(t, g.token(), settings.leaseMs()));
                    h.renewed(sent, renewed);
                    counts.count(transport, Op.RENEWED);
                } catch (Refused r) {
                    counts.count(transport, Op.RENEW_REFUSED);
                    refusedAsExpected(r, "lease_expired", "not_held");
                }
                pause(random.nextInt((int) lease / 3 + 1));
            }
        }
        release(t, h);
        phase = Phase.IDLE;
    }

    private void release(Target t, GrantLedger.Hold h) throws IOException {
        String token = heldTokens.remove(t);
        holding.remove(h);
        h.ended(System.nanoTime()); // before it is sent: from here the client no longer counts on the slot
        try {
            answered("release " + t.id(), 0, () -> {
                wire.release(t, token);
                return null;
            });
            counts.count(transport, Op.RELEASED);
        } catch (IOException e) {
            endAtFirstCut(h, !wire.sessionOutlivesConnection());
            throw e;
        } catch (Refused r) {
            counts.count(transport, Op.RELEASE_NOT_HELD);
            refusedAsExpected(r, "not_held");
        }
        endAtFirstCut(h, !wire.sessionOutlivesConnection());
    }

    /**
     * Where the slot did not survive a cut (dflockd, or a session lost), it was freed at the first
     * cut after its request was sent, whatever the client did afterwards: the hold ends there.
     */
    private void endAtFirstCut(GrantLedger.Hold h, boolean slotDiesWithConnection) {
        Integer before = cutsAtRequest.remove(h);
        if (slotDiesWithConnection && before != null && wire.cuts() > before) {
            h.ended(wire.cutTimeNs(before + 1));
        }
    }

    private void signals() throws IOException {
        try {
            int dice = random.nextInt(100);
            if (dice < 25 && listening.size() < 3) {
                String pattern = random.nextBoolean() ? "chaos.>" : "chaos.t" + random.nextInt(4) + ".*";
                answered("listen", 0, () -> {
                    wire.listen(pattern);
                    return null;
                });
                listening.add(pattern);
                counts.count(transport, Op.LISTEN);
            } else if (dice < 40 && !listening.isEmpty()) {
                String pattern = listening.remove(random.nextInt(listening.size()));
                answered("unlisten", 0, () -> {
                    wire.unlisten(pattern);
                    return null;
                });
                counts.count(transport, Op.UNLISTEN);
            } else {
                String channel = "chaos.t" + random.nextInt(4) + "." + id;
                answered("publish", 0, () -> wire.publish(channel, "from-" + id));
                counts.count(transport, Op.PUBLISH);
            }
            if (transport == Transport.HTTP) {
                answered("poll", 0, () -> {
                    wire.drainEvents();
                    return null;
                });
                counts.count(transport, Op.POLL);
            }
        } catch (Refused r) {
            if (!engineOutage(r) && !publishAnsweredInternalWhileNatsDown(r)) {
                counts.unexpected(transport, "signal op refused: " + r.getMessage());
            }
        }
    }

    /** A wait after a cut found the cut connection's wait still pending on the server. */
    private static final class StillWaiting extends Exception {
        StillWaiting() {
            super(null, null, false, false);
        }
    }

    /** One request to the server, watched: it must get its outcome within {@code deadlineMs} + the margin. */
    private <T> T answered(String what, long deadlineMs, WireCall<T> call) throws IOException, Refused {
        inFlight.begin(what, deadlineMs);
        try {
            return call.call();
        } finally {
            inFlight.end();
        }
    }

    private interface WireCall<T> {
        T call() throws IOException, Refused;
    }

    /**
     * A refusal NATS or etcd being down explains: the lock engine's {@code fence_persistence} (an etcd
     * call failed or missed its deadline; dflockd can only say a bare {@code error}),
     * {@code too_many_requests} while requests pile up, {@code unavailable}. An explicit outcome, counted.
     */
    private boolean engineOutage(Refused r) {
        boolean outage = enginesDisrupted && (ENGINE_OUTAGE_CODES.contains(r.code())
                || transport == Transport.DFLOCKD && r.getMessage().endsWith("answered 'error'"));
        if (outage) {
            counts.count(transport, Op.ENGINE_REFUSAL);
        }
        return outage;
    }

    /**
     * A publish while NATS is down reaches this node's listeners only and is answered
     * {@code internal} ("publish failed: ... NATS is DISCONNECTED: delivered on this node only"):
     * explicit, though the protocol has no better code for it yet. Counted with the engine refusals.
     */
    private boolean publishAnsweredInternalWhileNatsDown(Refused r) {
        boolean natsDown = enginesDisrupted && "internal".equals(r.code()) && r.getMessage().contains("NATS");
        if (natsDown) {
            counts.count(transport, Op.ENGINE_REFUSAL);
        }
        return natsDown;
    }

    private static final java.util.Set<String> ENGINE_OUTAGE_CODES =
            java.util.Set.of("fence_persistence", "too_many_requests", "unavailable", "cluster_unavailable");

    private void refusedAsExpected(Refused r, String... expected) {
        if (engineOutage(r)) {
            return;
        }
        for (String code : expected) {
            if (code.equals(r.code())) {
                if (!r.code().equals("lease_expired") && !r.code().equals("not_held") && !r.code().equals("not_enqueued")) {
                    counts.count(transport, Op.OTHER_REFUSAL);
                }
                return;
            }
        }
        counts.unexpected(transport, "client #" + id + " refused: " + r.getMessage());
    }

    /**
     * The connection broke (a cut, ours or not). Reconnects; where the slots did not survive (no
     * session outlives the connection, or the session was lost) the holds end at the cut; where
     * they did, they are released over the new connection.
     */
    private void afterBrokenConnection(IOException cause) {
        boolean ours = wire.cuts() != seenCuts;
        seenCuts = wire.cuts();
        long brokenAt = System.nanoTime();
        if (!ours) {
            counts.unexpected(transport, "client #" + id + " lost its connection: " + cause);
        } else {
            Phase recorded = phaseAtCut;
            Phase at = recorded != null ? recorded : phase;
            counts.count(transport, switch (at) {
                case WAITING -> Op.CUT_MID_WAIT;
                case HOLDING -> Op.CUT_MID_HOLD;
                case IDLE -> Op.CUT_IDLE;
            });
        }
        phase = Phase.IDLE;
        phaseAtCut = null;
        Boolean resumed = reconnect();
        if (resumed == null) {
            endEverything(brokenAt);
            Thread.currentThread().interrupt(); // this client cannot go on: the run reports it
            return;
        }
        // seenCuts is not brought up to date here: a cut made while reconnecting is handled as a cut of its own.
        if (!wire.sessionOutlivesConnection()) {
            counts.count(transport, Op.NEW_CONNECTION);
            endEverything(brokenAt);
            return;
        }
        if (!resumed) {
            counts.count(transport, Op.SESSION_LOST);
            endEverything(brokenAt);
            return;
        }
        counts.count(transport, Op.RESUMED);
        for (GrantLedger.Hold h : List.copyOf(holding)) {
            try {
                release(h.target, h);
            } catch (IOException e) {
                // Cut again: the next round of this handler deals with it.
                return;
            }
        }
    }

    /**
     * Connects again, up to five attempts; an attempt that fails because another cut of ours hit
     * it is just retried. Null when every attempt failed.
     */
    private Boolean reconnect() {
        for (int attempt = 0; attempt < 5; attempt++) {
            int cutsBefore = wire.cuts();
            try {
                inFlight.begin("reconnect", 0);
                try {
                    return wire.reconnect();
                } finally {
                    inFlight.end();
                }
            } catch (IOException e) {
                if (wire.cuts() == cutsBefore) {
                    counts.unexpected(transport, "client #" + id + " could not reconnect: " + e);
                }
                pauseQuietly(50);
            }
        }
        return null;
    }

    /** The session is gone: nothing it held or queued for is the client's any more. */
    private void endEverything(long brokenAt) {
        for (GrantLedger.Hold h : holding) {
            h.ended(brokenAt);
            endAtFirstCut(h, true);
        }
        holding.clear();
        cutsAtRequest.clear();
        heldTokens.clear();
        listening.clear();
        enqueuedSince.clear();
    }

    /** End of the run: releases what is still held, then ends the session — at once, or left to its grace period. */
    private void finish() {
        phase = Phase.IDLE;
        for (GrantLedger.Hold h : List.copyOf(holding)) {
            try {
                release(h.target, h);
            } catch (IOException e) {
                h.ended(System.nanoTime());
            }
        }
        boolean endNow = random.nextBoolean();
        wire.close(endNow);
    }

    private void pause(long ms) throws InterruptedException {
        if (ms > 0) {
            Thread.sleep(ms); // the load's own pacing, not a test's wait
        }
    }

    private static void pauseQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
