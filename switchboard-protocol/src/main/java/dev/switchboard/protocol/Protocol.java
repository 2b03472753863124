package dev.switchboard.protocol;

/** Facts about the native protocol that both ends must agree on. */
public final class Protocol {
    /** The version a client names in {@code hello} and the server repeats in {@code welcome}. */
    public static final int VERSION = 1;

    private Protocol() {
    }
}
