package dev.switchboard.client;

/** How a direct message sent with a receipt ended ({@code relay.receipt}). */
public enum ReceiptStatus {
    /** The receiver's client handled it and acknowledged it. */
    ACKNOWLEDGED,
    /** The receiver's session ended (closed, replaced, or its grace period over) before acknowledging it. */
    UNDELIVERED
}
