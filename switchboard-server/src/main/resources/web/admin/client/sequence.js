/**
 * Tracks the newest event sequence number the app has been given. A resume replays every event
 * after the `last_seq` the client sent, and a session with several connections, or a replay that
 * overlaps what already arrived, can bring an event twice: only a seq above the newest passes.
 */
export class SequenceTracker {
    newest = 0;
    /** The newest seq accepted: what a resume sends as `last_seq`. */
    get last() {
        return this.newest;
    }
    /** True (and remembers it) when `seq` is new; false for a duplicate or an older event. */
    accept(seq) {
        if (seq <= this.newest)
            return false;
        this.newest = seq;
        return true;
    }
}
