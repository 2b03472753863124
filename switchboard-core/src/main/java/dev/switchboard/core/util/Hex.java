package dev.switchboard.core.util;

import java.security.SecureRandom;

/** Lowercase hex encoding of random ids and counters. */
public final class Hex {
    private static final char[] DIGITS = "0123456789abcdef".toCharArray();
    private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(SecureRandom::new);

    private Hex() {
    }

    public static void appendLong(StringBuilder sb, long value) {
        for (int shift = 60; shift >= 0; shift -= 4) {
            sb.append(DIGITS[(int) (value >>> shift) & 0xf]);
        }
    }

    /** {@code bytes} bytes from a per-thread secure random source, as 2×bytes lowercase hex. */
    public static String randomHex(int bytes) {
        byte[] buf = new byte[bytes];
        RANDOM.get().nextBytes(buf);
        StringBuilder sb = new StringBuilder(bytes * 2);
        for (byte b : buf) {
            sb.append(DIGITS[(b >> 4) & 0xf]).append(DIGITS[b & 0xf]);
        }
        return sb.toString();
    }

    public static long randomLong() {
        return RANDOM.get().nextLong();
    }
}
