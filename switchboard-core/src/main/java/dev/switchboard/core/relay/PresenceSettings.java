package dev.switchboard.core.relay;

/**
 * The bounds of presence watches.
 *
 * @param maxWatchesPerSession  watches one session may have open ({@code presence.subscribe})
 * @param maxIdsPerWatch        peer ids one watch may name
 * @param maxQueuedPerWatch     peers whose changes may wait for one watch's subscriber; one more
 *                              and the subscriber gets {@code presence.resync} and a fresh snapshot
 * @param maxIdsPerEvent        ids in one {@code presence} event (a bigger batch is split)
 */
public record PresenceSettings(int maxWatchesPerSession, int maxIdsPerWatch, int maxQueuedPerWatch, int maxIdsPerEvent) {
    public static final int DEFAULT_MAX_WATCHES_PER_SESSION = 16;
    public static final int DEFAULT_MAX_IDS_PER_WATCH = 1024;
    public static final int DEFAULT_MAX_QUEUED_PER_WATCH = 4096;
    /** The original relay's chunk of ids per PeersOnline / PeersWentOffline message. */
    public static final int IDS_PER_EVENT = 244;

    public PresenceSettings {
        if (maxWatchesPerSession < 1 || maxIdsPerWatch < 1 || maxQueuedPerWatch < 1 || maxIdsPerEvent < 1) {
            throw new IllegalArgumentException("presence bounds must be at least 1");
        }
    }

    public static PresenceSettings defaults() {
        return new PresenceSettings(DEFAULT_MAX_WATCHES_PER_SESSION, DEFAULT_MAX_IDS_PER_WATCH,
                DEFAULT_MAX_QUEUED_PER_WATCH, IDS_PER_EVENT);
    }
}
