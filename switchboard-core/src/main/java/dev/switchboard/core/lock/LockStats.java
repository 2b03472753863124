package dev.switchboard.core.lock;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A point-in-time view of a lock engine, in the shape of dflockd's {@code stats}: resources are
 * classified by limit, so a semaphore of limit 1 is listed with the locks. Lists are sorted by key.
 */
public record LockStats(List<LockInfo> locks, List<SemaphoreInfo> semaphores, List<IdleInfo> idleLocks,
                        List<IdleInfo> idleSemaphores) {

    /** A lock with a holder, or with only waiters (then {@code ownerId} and {@code leaseExpiresInMs} are 0). */
    public record LockInfo(String key, long ownerId, long leaseExpiresInMs, int waiters) {
    }

    public record SemaphoreInfo(String key, int limit, int holders, int waiters) {
    }

    public record IdleInfo(String key, long idleMs) {
    }

    static final class Builder {
        private final List<LockInfo> locks = new ArrayList<>();
        private final List<SemaphoreInfo> semaphores = new ArrayList<>();
        private final List<IdleInfo> idleLocks = new ArrayList<>();
        private final List<IdleInfo> idleSemaphores = new ArrayList<>();

        void add(Resource r, long nowNanos) {
            String key = r.key.name();
            boolean busy = r.holderCount() > 0 || r.waiterCount() > 0;
            if (!busy) {
                IdleInfo idle = new IdleInfo(key, Math.max(0, (nowNanos - r.lastActivityNanos) / 1_000_000L));
                (r.limit == 1 ? idleLocks : idleSemaphores).add(idle);
            } else if (r.limit == 1) {
                Holder h = r.firstHolder();
                long ownerId = h == null ? 0 : h.owner.id;
                long leftMs = h == null ? 0 : Math.max(0, h.remainingNanos(nowNanos) / 1_000_000L);
                locks.add(new LockInfo(key, ownerId, leftMs, r.waiterCount()));
            } else {
                semaphores.add(new SemaphoreInfo(key, r.limit, r.holderCount(), r.waiterCount()));
            }
        }

        LockStats build() {
            locks.sort(Comparator.comparing(LockInfo::key));
            semaphores.sort(Comparator.comparing(SemaphoreInfo::key));
            idleLocks.sort(Comparator.comparing(IdleInfo::key));
            idleSemaphores.sort(Comparator.comparing(IdleInfo::key));
            return new LockStats(List.copyOf(locks), List.copyOf(semaphores), List.copyOf(idleLocks),
                    List.copyOf(idleSemaphores));
        }
    }
}
