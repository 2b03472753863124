package dev.switchboard.bench.chaos;

/** The cut bookkeeping every {@link LockWire} shares: {@link #cut()} counts, then resets the connection. */
abstract class CutWire implements LockWire {
    final CutCounter cutCounter = new CutCounter();

    /** Resets the connection in use, from any thread. */
    abstract void resetConnection();

    @Override
    public void cut() {
        cutCounter.cutting(); // before the reset, so that the failure it causes is known as ours
        resetConnection();
    }

    @Override
    public int cuts() {
        return cutCounter.cuts();
    }

    @Override
    public long cutTimeNs(int n) {
        return cutCounter.timeOf(n);
    }
}
