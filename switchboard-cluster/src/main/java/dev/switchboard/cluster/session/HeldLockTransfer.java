package dev.switchboard.cluster.session;

import dev.switchboard.cluster.etcd.EtcdLockEngine;
import dev.switchboard.core.lock.ResourceKey;
import dev.switchboard.core.session.Session;
import dev.switchboard.core.session.SessionRegistry;
import dev.switchboard.core.session.store.SessionRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restores here a session that comes from another node, with the locks it held there: each slot
 * etcd still grants to the session (as lock owner {@code fromOwner} of node {@code fromNode}) is
 * taken over by this node's lock engine, same token, same fence ({@link EtcdLockEngine#adoptHeld});
 * each one that is gone is reported lost, as after a restart. Runs on a lookup thread, before the
 * client is attached, so that the client hears of the lost ones first and can renew or release the
 * kept ones with the tokens it has.
 */
final class HeldLockTransfer {
    private static final Logger log = LoggerFactory.getLogger(HeldLockTransfer.class);

    private final SessionRegistry registry;
    /** At most what one key's takeover takes: a read, a lease lookup, a lease grant and a transaction. */
    private final Duration deadline;

    HeldLockTransfer(SessionRegistry registry, Duration callTimeout) {
        this.registry = registry;
        this.deadline = callTimeout.multipliedBy(4).plusSeconds(1);
    }

    /** Restores {@code r} here, its held locks taken over where etcd still grants them, and returns the session. */
    Session restore(SessionRecord r, String fromNode, long fromOwner) {
        Session s = registry.restore(r.withHeldLocks(List.of()));
        if (r.heldLocks().isEmpty()) return s;
        Map<ResourceKey, String> held = new LinkedHashMap<>();
        for (String h : r.heldLocks()) held.put(keyOf(h), h);
        Set<ResourceKey> kept = Set.of();
        // Owner 0: the session moved here before its node recorded its owner id; its keys cannot be told apart.
        if (registry.locks() instanceof EtcdLockEngine etcd && fromOwner != 0) {
            try {
                kept = etcd.adoptHeld(fromNode, fromOwner, s.ownerId(), held.keySet())
                        .get(deadline.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // Reported lost: a slot taken over after this runs out with its lease here, reported again then.
                log.warn("could not take over the locks of session {} in time: {}", r.id(), e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<String> lost = new ArrayList<>();
        for (Map.Entry<ResourceKey, String> e : held.entrySet()) {
            if (!kept.contains(e.getKey())) lost.add(e.getValue());
        }
        if (!kept.isEmpty()) log.info("session {} keeps {} lock(s) it held on node {}", r.id(), kept.size(), fromNode);
        registry.reportHeldLost(s, lost);
        return s;
    }

    /** A record's {@code lock:<key>} or {@code sem:<key>}. */
    private static ResourceKey keyOf(String held) {
        int colon = held.indexOf(':');
        String name = colon < 0 ? held : held.substring(colon + 1);
        return colon >= 0 && held.startsWith("sem:") ? ResourceKey.semaphore(name) : ResourceKey.lock(name);
    }
}
