package dev.switchboard.bench;

import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The workers' connections of an interleaved comparison, kept open from one run to the next (one
 * per worker index and side), as an application keeps its connections while it takes locks.
 *
 * <p>Why: a run that connects anew puts the protocol's whole connection lifecycle (a native
 * session's hello and close, dflockd's nothing) between two stretches of lock cycles, every second
 * or two. The server's compiled hot path, shaped by the cycles alone, meets the lifecycle's other
 * branches and message types there and is thrown away and compiled again — on the server's one
 * core, inside the next measured run (seen with the JVM's deoptimization events). What a
 * comparison of lock cycles must not measure.
 */
final class KeptConnections implements AutoCloseable {
    private final Map<Integer, BenchConnection> open = new ConcurrentHashMap<>();

    /** Worker {@code worker}'s connection: the one kept, or a new one from {@code opener}, kept from now on. */
    BenchConnection get(int worker, Callable<BenchConnection> opener) throws Exception {
        BenchConnection c = open.get(worker);
        if (c == null) {
            c = opener.call();
            open.put(worker, c);
        }
        return c;
    }

    /** Closes and forgets worker {@code worker}'s connection (it failed, or was cut to end a run): the next run opens another. */
    void discard(int worker) {
        BenchConnection c = open.remove(worker);
        if (c != null) {
            c.close();
        }
    }

    @Override
    public void close() {
        for (Integer worker : open.keySet()) {
            discard(worker);
        }
    }
}
