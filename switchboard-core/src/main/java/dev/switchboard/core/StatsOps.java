package dev.switchboard.core;

import dev.switchboard.core.lock.LockStats;
import dev.switchboard.core.lock.LockEngine;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Reply;
import dev.switchboard.core.pubsub.Broker;
import dev.switchboard.core.pubsub.ChannelListeners;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * The {@code stats} operation: dflockd's stats object, field for field. Seconds are decimals
 * with millisecond precision written plainly ({@code 25.4}, {@code 0}), as Go prints them.
 * {@code signal_channels} (a dflockd 1.11–1.16 field) appears only while someone listens.
 */
public final class StatsOps {
    private final LockEngine locks;
    private final Broker broker;
    private final IntSupplier connections;

    public StatsOps(LockEngine locks, Broker broker, IntSupplier connections) {
        this.locks = locks;
        this.broker = broker;
        this.connections = connections;
    }

    public void registerWith(Dispatcher dispatcher) {
        dispatcher.register("stats", req -> locks.stats().whenComplete((stats, err) -> {
            if (err != null) {
                req.reply(Reply.error(ErrorCode.INTERNAL, "stats failed: " + err));
            } else {
                req.reply(Reply.ok(toMap(stats)));
            }
        }));
    }

    private Map<String, Object> toMap(LockStats stats) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("connections", (long) connections.getAsInt());
        List<Object> lockList = new ArrayList<>();
        for (LockStats.LockInfo l : stats.locks()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("key", l.key());
            m.put("owner_conn_id", l.ownerId());
            m.put("lease_expires_in_s", seconds(l.leaseExpiresInMs()));
            m.put("waiters", (long) l.waiters());
            lockList.add(m);
        }
        out.put("locks", lockList);
        List<Object> semList = new ArrayList<>();
        for (LockStats.SemaphoreInfo s : stats.semaphores()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("key", s.key());
            m.put("limit", (long) s.limit());
            m.put("holders", (long) s.holders());
            m.put("waiters", (long) s.waiters());
            semList.add(m);
        }
        out.put("semaphores", semList);
        out.put("idle_locks", idle(stats.idleLocks()));
        out.put("idle_semaphores", idle(stats.idleSemaphores()));
        List<ChannelListeners> channels = broker.channels();
        if (!channels.isEmpty()) {
            List<Object> list = new ArrayList<>();
            for (ChannelListeners c : channels) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("pattern", c.pattern());
                if (!c.group().isEmpty()) m.put("group", c.group());
                m.put("listeners", (long) c.listeners());
                list.add(m);
            }
            out.put("signal_channels", list);
        }
        return out;
    }

    private static List<Object> idle(List<LockStats.IdleInfo> idle) {
        List<Object> list = new ArrayList<>();
        for (LockStats.IdleInfo i : idle) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("key", i.key());
            m.put("idle_s", seconds(i.idleMs()));
            list.add(m);
        }
        return list;
    }

    static BigDecimal seconds(long millis) {
        BigDecimal s = BigDecimal.valueOf(millis, 3).stripTrailingZeros();
        return s.scale() < 0 ? s.setScale(0) : s;
    }
}
