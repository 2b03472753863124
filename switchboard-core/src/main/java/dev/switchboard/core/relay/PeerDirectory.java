package dev.switchboard.core.relay;

import java.util.Collection;
import java.util.Optional;

/**
 * Which endpoint answers to each peer id, and who is told when peers come and go: the engine seam
 * of the relay (direct messages by peer id) and of presence. The in-memory directory serves one
 * node; a cluster engine keeps the same contract across nodes (NATS subjects per peer).
 *
 * <p>Thread-safety: every method may be called from any thread; none blocks.
 */
public interface PeerDirectory {
    /**
     * Makes {@code endpoint} the one that answers to {@code peerId}. Newest wins: an endpoint
     * already registered under the id is displaced ({@link PeerEndpoint#displaced} is called on
     * it, after the change) and watchers hear nothing, since the peer never went offline.
     *
     * @return the claim (close it when the endpoint goes), or {@link Claimed.Refused} when the
     *         engine's bound on peers is reached and the id is not registered yet
     */
    Claimed register(String peerId, PeerEndpoint endpoint);

    /** The endpoint answering to {@code peerId} now, or empty when the peer is offline. */
    Optional<PeerEndpoint> find(String peerId);

    /**
     * Watches {@code peerIds}: {@code listener} is told at once of each one online now (as
     * {@link PresenceListener#online}), then of every later change of those peers, in order,
     * until the watch is closed. Changes made after this returns are never missed; none is told
     * twice.
     *
     * @return the watch, or {@link Watched.Refused} when the engine's bound on watched ids is reached
     */
    Watched watch(Collection<String> peerIds, PresenceListener listener);

    /**
     * Watches every peer id matching {@code pattern} (subject syntax: {@code *} one token,
     * {@code >} the rest), with the same guarantees as {@link #watch(Collection, PresenceListener)}.
     * A pattern watch counts as one watched id against the engine's bound.
     */
    Watched watchPattern(String pattern, PresenceListener listener);

    /** Peers online, for admins and for tests that check nothing is left behind. */
    int size();

    /** Watches open. */
    int watchCount();

    /** The outcome of {@link #register}. */
    sealed interface Claimed permits Claim, Claimed.Refused {
        record Refused(String reason) implements Claimed {
        }
    }

    /**
     * The registration of one endpoint under one id. {@link #close()} takes the id offline only if
     * this claim still holds it (compare-and-delete), so that a displaced endpoint cleaning up
     * late cannot unregister its successor. Idempotent.
     */
    non-sealed interface Claim extends Claimed, AutoCloseable {
        String peerId();

        @Override
        void close();
    }

    /** The outcome of {@link #watch}. */
    sealed interface Watched permits Watch, Watched.Refused {
        record Refused(String reason) implements Watched {
        }
    }

    /** An open watch; {@link #close()} stops it (idempotent); no call reaches the listener after close returns. */
    non-sealed interface Watch extends Watched, AutoCloseable {
        /**
         * Tells the listener {@link PresenceListener#resynced} with the watched peers online now, in
         * the watch's order: after every change told before, before every change told after. For a
         * watcher that dropped changes it could not keep and must start its view again. Nothing
         * happens once the watch is closed.
         */
        void resync();

        @Override
        void close();
    }
}
