package dev.switchboard.core.lock;

import dev.switchboard.core.util.Hex;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issues fencing tokens in dflockd 2.1 form: 16 hex of a global counter that only grows, then 16
 * hex of random salt. The counter starts at the wall clock in nanoseconds (as dflockd does); with
 * a state file it also starts above every fence handed out before, because each range of
 * {@value #RANGE} fences is made durable before its first fence is used.
 *
 * <p>Making a range durable means an fsync, and fences are drawn on the threads that grant locks
 * (often a connection's I/O thread). So the next range is reserved ahead of time, on a thread of
 * the generator's own, as soon as half of the current range is used: a grant waits for an fsync
 * only when it reaches the ceiling before that reservation is done (a burst of half a range of
 * grants faster than one fsync, or a failed write, which is then retried inline and, if it fails
 * again, refuses the fence with {@link FencePersistenceException}).
 */
public final class FenceGenerator implements FenceSource, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FenceGenerator.class);
    static final long RANGE = 1L << 20;

    private final AtomicLong next;
    private final FenceStateFile file;
    private volatile long ceiling;
    /** Reserves the next range ahead; null without a state file. */
    private final ExecutorService reserver;
    private final AtomicBoolean reservingAhead = new AtomicBoolean();
    /** Ranges reserved on the granting thread because the one ahead was not ready; for tests. */
    private final AtomicLong inlineReservations = new AtomicLong();

    private FenceGenerator(long start, FenceStateFile file) {
        this.next = new AtomicLong(start);
        this.file = file;
        this.ceiling = Long.MAX_VALUE;
        this.reserver = file == null ? null : Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "switchboard-fence-reserver");
            t.setDaemon(true);
            return t;
        });
    }

    /** A generator with no persistence: fences start at the current time in nanoseconds. */
    public static FenceGenerator inMemory() {
        return new FenceGenerator(wallClockNanos(), null);
    }

    /** A generator whose fences stay above every fence issued before with the same file. */
    public static FenceGenerator persistent(Path stateFile) {
        FenceStateFile file = FenceStateFile.open(stateFile);
        long start = Math.max(wallClockNanos(), file.storedCeiling());
        FenceGenerator generator = new FenceGenerator(start, file);
        try {
            generator.reserveFrom(start);
        } catch (IOException e) {
            file.close();
            throw new FencePersistenceException("cannot write fence state file " + stateFile + ": " + e.getMessage(), e);
        }
        return generator;
    }

    /** The next fence; throws {@link FencePersistenceException} when the next range cannot be made durable. */
    public long nextFence() {
        long fence = next.getAndIncrement();
        long limit = ceiling;
        if (fence >= limit) {
            inlineReservations.incrementAndGet();
            reserve(fence);
        } else if (reserver != null && fence >= limit - RANGE / 2) {
            reserveAhead();
        }
        return fence;
    }

    /** A new token: the next fence and a random salt, as 32 lowercase hex characters. */
    @Override
    public String nextToken() {
        StringBuilder sb = new StringBuilder(32);
        Hex.appendLong(sb, nextFence());
        Hex.appendLong(sb, Hex.randomLong());
        return sb.toString();
    }

    /** The fence part of a token, or -1 when the token is not 32 hex characters. */
    public static long fenceOf(String token) {
        if (token == null || token.length() != 32) return -1;
        for (int i = 0; i < 32; i++) {
            if (Character.digit(token.charAt(i), 16) < 0 || token.charAt(i) > 'f') return -1;
        }
        return Long.parseUnsignedLong(token, 0, 16, 16);
    }

    /** Starts reserving the range after the current one, unless that is under way already. */
    private void reserveAhead() {
        if (!reservingAhead.compareAndSet(false, true)) return;
        try {
            reserver.execute(() -> {
                try {
                    extend();
                } finally {
                    reservingAhead.set(false);
                }
            });
        } catch (RejectedExecutionException e) {
            reservingAhead.set(false); // closing: the grant path reserves inline if it must
        }
    }

    /** On the reserver thread: one more range above the ceiling, if the current one is half used. */
    private synchronized void extend() {
        long limit = ceiling;
        if (next.get() < limit - RANGE / 2) return; // extended meanwhile
        try {
            file.write(limit + RANGE);
            ceiling = limit + RANGE;
        } catch (IOException e) {
            log.warn("cannot reserve the next fence range ahead ({}); the next grant past {} retries", e.getMessage(), limit);
        }
    }

    long inlineReservations() {
        return inlineReservations.get();
    }

    private synchronized void reserve(long fence) {
        if (fence < ceiling) {
            return; // another thread reserved the range while this one waited
        }
        try {
            reserveFrom(fence);
        } catch (IOException e) {
            throw new FencePersistenceException("cannot persist fence range: " + e.getMessage(), e);
        }
    }

    private void reserveFrom(long fence) throws IOException {
        long newCeiling = fence + RANGE;
        file.write(newCeiling);
        ceiling = newCeiling;
    }

    private static long wallClockNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    @Override
    public void close() {
        if (reserver != null) {
            reserver.shutdown();
            try {
                reserver.awaitTermination(10, TimeUnit.SECONDS); // a write under way finishes before the file closes
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (file != null) {
            file.close();
        }
    }
}
