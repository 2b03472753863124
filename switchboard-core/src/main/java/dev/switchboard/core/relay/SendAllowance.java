package dev.switchboard.core.relay;

/**
 * What one sending peer may still send: two token buckets (messages and payload bytes) refilled
 * at their rate per second of the node clock, each holding at most one second's worth. A message
 * takes from both or from neither, so a refusal costs the sender nothing.
 */
final class SendAllowance {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private long messages;
    private long bytes;
    private long refilledAt;
    /** Nanoseconds of refill not yet turned into a whole token, per bucket (so slow rates still refill). */
    private long messageRemainder;
    private long byteRemainder;

    SendAllowance(RelaySettings limits, long now) {
        this.messages = limits.maxMessagesPerSecond();
        this.bytes = limits.maxBytesPerSecond();
        this.refilledAt = now;
    }

    /** Which bucket refused a message, or null when it was taken from both. */
    enum Refusal { MESSAGES, BYTES }

    synchronized Refusal take(RelaySettings limits, long size, long now) {
        long elapsed = Math.max(0, now - refilledAt);
        refilledAt = now;
        long msgRate = limits.maxMessagesPerSecond();
        long byteRate = limits.maxBytesPerSecond();
        if (msgRate > 0) {
            long[] r = refill(messages, messageRemainder, msgRate, elapsed);
            messages = r[0];
            messageRemainder = r[1];
            if (messages < 1) return Refusal.MESSAGES;
        }
        if (byteRate > 0) {
            long[] r = refill(bytes, byteRemainder, byteRate, elapsed);
            bytes = r[0];
            byteRemainder = r[1];
            if (bytes < size) return Refusal.BYTES;
        }
        if (msgRate > 0) messages--;
        if (byteRate > 0) bytes -= size;
        return null;
    }

    /** Tokens after {@code elapsed} nanoseconds at {@code rate} per second, capped at one second's worth. */
    private static long[] refill(long tokens, long remainder, long rate, long elapsed) {
        if (tokens >= rate) return new long[] {rate, 0};
        // rate * elapsed may overflow for long idle times: a second or more refills the bucket whole.
        if (elapsed >= NANOS_PER_SECOND || rate > Long.MAX_VALUE / NANOS_PER_SECOND) return new long[] {rate, 0};
        long scaled = rate * elapsed + remainder;
        long added = scaled / NANOS_PER_SECOND;
        return new long[] {Math.min(rate, tokens + added), tokens + added >= rate ? 0 : scaled % NANOS_PER_SECOND};
    }
}
