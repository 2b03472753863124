package dev.switchboard.core.lock;

import dev.switchboard.core.util.Hex;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issues fencing tokens in dflockd 2.1 form: 16 hex of a global counter that only grows, then 16
 * hex of random salt. The counter starts at the wall clock in nanoseconds (as dflockd does); with
 * a state file it also starts above every fence handed out before, because each range of
 * {@value #RANGE} fences is made durable before its first fence is used.
 */
public final class FenceGenerator implements FenceSource, AutoCloseable {
    static final long RANGE = 1L << 20;

    private final AtomicLong next;
    private final FenceStateFile file;
    private volatile long ceiling;

    private FenceGenerator(long start, FenceStateFile file) {
        this.next = new AtomicLong(start);
        this.file = file;
        this.ceiling = Long.MAX_VALUE;
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
        if (fence >= ceiling) {
            reserve(fence);
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
        if (file != null) {
            file.close();
        }
    }
}
