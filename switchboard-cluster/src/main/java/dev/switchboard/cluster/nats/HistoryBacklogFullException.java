package dev.switchboard.cluster.nats;

/**
 * A history publish or read refused at once because the node already has its bound of history
 * operations waiting for JetStream ({@code --cluster-history-max-pending}): JetStream is slow or
 * not answering. Like any {@link HistoryUnavailableException}, a refused publish is delivered nowhere.
 */
public final class HistoryBacklogFullException extends HistoryUnavailableException {
    public HistoryBacklogFullException(int maxPending) {
        super(maxPending + " history operations are already waiting for JetStream (--cluster-history-max-pending)", null);
    }
}
