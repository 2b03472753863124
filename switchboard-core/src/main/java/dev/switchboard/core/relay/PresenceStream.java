package dev.switchboard.core.relay;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * One subscriber's presence stream over a {@link PeerDirectory} watch: the directory tells it of
 * each change under its lock, and the stream only records it and returns, so that connects and
 * disconnects never wait for a subscriber. Batches go to the {@link PresenceSink} on an executor.
 *
 * <p><b>Batching.</b> The changes not yet handed to the sink are kept as one map from peer id to
 * its newest state. The directory tells each peer's changes alternately (online, offline, online,
 * ...), so a second change of a peer still waiting cancels the first: the batch is the net
 * difference from what the subscriber was last told, and applying batches in order always leaves
 * the subscriber's view equal to the directory's at some moment.
 *
 * <p><b>Overflow.</b> At most {@code maxQueued} peers wait at once. One more and the waiting
 * changes are dropped, the stream stops recording, and its next drain asks the directory for a
 * resync ({@link PeerDirectory.Watch#resync()}, ordered with the changes): the sink hears
 * {@link PresenceSink#resync()} and then the peers online now. The subscriber catches up with a
 * fresh snapshot instead of holding up the directory.
 */
public final class PresenceStream implements PresenceListener {
    private final Object lock = new Object();
    private final PresenceSink sink;
    private final Executor executor;
    private final int maxQueued;
    private final int maxIdsPerEvent;
    private final Runnable overflowed;
    /** Guarded by {@link #lock}: peer id to its newest state (true = online), not yet handed over. */
    private Map<String, Boolean> pending = new LinkedHashMap<>();
    /** Guarded by {@link #lock}: changes were dropped; nothing is recorded until the resync. */
    private boolean dropping;
    /** Guarded by {@link #lock}: the snapshot of the last resync, until the drain takes it. */
    private List<String> resynced;
    /** Guarded by {@link #lock}: the peers of the opening snapshot that did not fit the answer, handed over before any change. */
    private List<String> snapshotRest = List.of();
    private boolean started;
    private boolean drainScheduled;
    private boolean closed;
    private volatile PeerDirectory.Watch watch;

    /**
     * @param maxQueued      peers whose changes may wait for the sink at once (at least 1)
     * @param maxIdsPerEvent most ids in one batch handed to the sink (at least 1)
     * @param overflowed     told each time changes are dropped (on the changing thread, under the directory's lock: it must only count)
     */
    public PresenceStream(PresenceSink sink, Executor executor, int maxQueued, int maxIdsPerEvent, Runnable overflowed) {
        if (maxQueued < 1 || maxIdsPerEvent < 1) throw new IllegalArgumentException("bounds must be at least 1");
        this.sink = sink;
        this.executor = executor;
        this.maxQueued = maxQueued;
        this.maxIdsPerEvent = maxIdsPerEvent;
        this.overflowed = overflowed;
    }

    /**
     * Opens the watch ({@code open} calls {@link PeerDirectory#watch} or {@link PeerDirectory#watchPattern}
     * with this stream) and returns the peers online now, or the refusal. Nothing reaches the sink
     * until {@link #start()}, so the caller can answer its client with the snapshot first.
     *
     * <p>The answer holds at most {@code maxIdsPerEvent} of them (one frame's chunk, as every event):
     * when more are online, {@link Opened#more()} is true and the rest reach the sink as online-only
     * batches right after {@link #start()}, before any change made after the snapshot.
     */
    public Opened open(java.util.function.Function<PresenceListener, PeerDirectory.Watched> open) {
        PeerDirectory.Watched w = open.apply(this);
        if (w instanceof PeerDirectory.Watched.Refused r) return new Opened(null, false, r.reason());
        watch = (PeerDirectory.Watch) w;
        List<String> online = new ArrayList<>();
        synchronized (lock) {
            // Relative to an empty view nothing can be net offline: these are the peers online now.
            for (Map.Entry<String, Boolean> e : pending.entrySet()) if (e.getValue()) online.add(e.getKey());
            pending.clear();
            if (online.size() <= maxIdsPerEvent) return new Opened(online, false, null);
            snapshotRest = new ArrayList<>(online.subList(maxIdsPerEvent, online.size()));
        }
        return new Opened(List.copyOf(online.subList(0, maxIdsPerEvent)), true, null);
    }

    /**
     * The first chunk of the snapshot of {@link #open} ({@code more}: the rest follow as batches),
     * or why the directory refused the watch.
     */
    public record Opened(List<String> online, boolean more, String refused) {
    }

    /** From now on, changes reach the sink. */
    public void start() {
        boolean schedule;
        synchronized (lock) {
            started = true;
            schedule = !closed && (!pending.isEmpty() || !snapshotRest.isEmpty() || dropping) && !drainScheduled;
            if (schedule) drainScheduled = true;
        }
        if (schedule) executor.execute(this::drain);
    }

    /** Closes the watch and drops what waits; no batch reaches the sink after this returns, but one already being handed over may finish. */
    public void close() {
        synchronized (lock) {
            closed = true;
            pending.clear();
            snapshotRest = List.of();
            resynced = null;
        }
        PeerDirectory.Watch w = watch;
        if (w != null) w.close();
    }

    /** Peers whose changes wait for the sink now (for tests and gauges). */
    public int queued() {
        synchronized (lock) {
            return pending.size();
        }
    }

    @Override
    public void online(String peerId) {
        changed(peerId, true);
    }

    @Override
    public void offline(String peerId) {
        changed(peerId, false);
    }

    /** Under the directory's lock: record and return. */
    private void changed(String peerId, boolean online) {
        boolean schedule = false;
        boolean dropped = false;
        synchronized (lock) {
            if (closed || dropping) return; // while dropping, the coming resync covers this change
            if (pending.remove(peerId) == null) { // else the change cancels the one waiting
                if (started && pending.size() >= maxQueued) {
                    pending.clear();
                    snapshotRest = List.of(); // the resync's snapshot replaces it
                    dropping = true;
                    dropped = true;
                } else {
                    pending.put(peerId, online);
                }
            }
            if (started && !drainScheduled) {
                drainScheduled = true;
                schedule = true;
            }
        }
        if (dropped) overflowed.run();
        if (schedule) executor.execute(this::drain);
    }

    @Override
    public void resynced(List<String> online) {
        synchronized (lock) {
            if (closed) return;
            pending.clear();
            snapshotRest = List.of();
            dropping = false;
            resynced = online;
        }
    }

    /** On the executor: hands one batch (or a resync and its snapshot) to the sink, then goes again if more waits. */
    private void drain() {
        boolean resync;
        synchronized (lock) {
            if (closed) {
                drainScheduled = false;
                return;
            }
            resync = dropping;
        }
        if (resync) {
            watch.resync(); // calls resynced() in the directory's order
            List<String> snapshot;
            synchronized (lock) {
                snapshot = resynced;
                resynced = null;
            }
            if (snapshot != null) {
                sink.resync();
                if (snapshot.isEmpty()) sink.changes(List.of(), List.of());
                hand(snapshot, List.of());
            }
        } else {
            Map<String, Boolean> batch;
            List<String> rest;
            synchronized (lock) {
                batch = pending;
                pending = new LinkedHashMap<>();
                rest = snapshotRest;
                snapshotRest = List.of();
            }
            hand(rest, List.of()); // the snapshot's end comes before the changes made after it
            List<String> online = new ArrayList<>();
            List<String> offline = new ArrayList<>();
            for (Map.Entry<String, Boolean> e : batch.entrySet()) (e.getValue() ? online : offline).add(e.getKey());
            hand(online, offline);
        }
        boolean again;
        synchronized (lock) {
            again = !closed && (!pending.isEmpty() || !snapshotRest.isEmpty() || dropping);
            if (!again) drainScheduled = false;
        }
        if (again) executor.execute(this::drain);
    }

    /** Hands the lists to the sink in chunks of at most {@link #maxIdsPerEvent} ids, online ones first. */
    private void hand(List<String> online, List<String> offline) {
        int o = 0;
        int f = 0;
        while (o < online.size() || f < offline.size()) {
            int room = maxIdsPerEvent;
            int onlineEnd = Math.min(online.size(), o + room);
            room -= onlineEnd - o;
            int offlineEnd = Math.min(offline.size(), f + room);
            sink.changes(List.copyOf(online.subList(o, onlineEnd)), List.copyOf(offline.subList(f, offlineEnd)));
            o = onlineEnd;
            f = offlineEnd;
        }
    }
}
