package dev.switchboard.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lock-memory}: holds N locks on unique keys over the dflockd line protocol and reports
 * what they cost the server, per lock: live heap (after a full GC) and resident set, each as the
 * difference between before the locks and while they are held.
 */
@Command(name = "lock-memory", mixinStandardHelpOptions = true,
        description = "Holds --locks locks on unique keys (dflockd protocol) and reports the server's heap and RSS per held lock.")
final class LockMemoryCommand implements Callable<Integer> {
    /**
     * Requests per pipelined write: well under the 256 requests a Switchboard dflockd connection
     * lets wait (more, and it closes the connection, as dflockd cancels an overfull reader).
     */
    private static final int BATCH = 32;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--locks", defaultValue = "100000", description = "Locks to hold at once (default: ${DEFAULT-VALUE}).")
    int locks;

    @Option(names = "--connections", defaultValue = "50", description = "Connections sharing the locks (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--server", defaultValue = "127.0.0.1:6388", description = "host:port of the server (default: ${DEFAULT-VALUE}).")
    String server;

    @Option(names = "--pid", required = true, description = "Process id of the server, on this machine (read with jcmd and /proc).")
    long pid;

    @Option(names = "--key", defaultValue = "mem", description = "Key prefix; keys are <key>-<n> (default: ${DEFAULT-VALUE}).")
    String key;

    @Option(names = "--auth-token", description = "Shared auth token of the server.")
    String authToken;

    @Override
    public Integer call() throws Exception {
        if (locks < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--locks must be at least 1");
        if (connections < 1 || connections > locks) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--connections must be between 1 and --locks");
        }
        ServerAddress address;
        try {
            address = ServerAddress.parse(server);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        MemoryProbe probe = new MemoryProbe(pid);
        List<DflockdConnection> open = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(connections);
        try {
            for (int c = 0; c < connections; c++) {
                open.add(new DflockdConnection(address, authToken, 10_000, 60_000));
            }
            // After connecting: the figures are for the locks, not the connections.
            MemoryProbe.Sample before = probe.sample();
            long start = System.nanoTime();
            List<Future<Integer>> held = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                DflockdConnection conn = open.get(c);
                int first = (int) ((long) locks * c / connections);
                int end = (int) ((long) locks * (c + 1) / connections);
                held.add(pool.submit(() -> hold(conn, first, end)));
            }
            int total = 0;
            for (Future<Integer> f : held) total += f.get(120, TimeUnit.SECONDS);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            MemoryProbe.Sample during = probe.sample();
            print(out, total, took, before, during);
        } finally {
            pool.shutdownNow();
            open.forEach(DflockdConnection::close); // the server releases the locks of a closed connection
        }
        return 0;
    }

    private int hold(DflockdConnection conn, int first, int end) throws IOException {
        for (int from = first; from < end; from += BATCH) {
            List<String> keys = new ArrayList<>(BATCH);
            for (int i = from; i < Math.min(end, from + BATCH); i++) keys.add(key + "-" + i);
            conn.acquireAll(keys, 3_600);
        }
        return end - first;
    }

    private void print(PrintWriter out, int held, Duration took, MemoryProbe.Sample before, MemoryProbe.Sample during) {
        out.printf("locks held:     %d over %d connections (acquired in %d ms)%n", held, connections, took.toMillis());
        out.printf("heap before:    %d bytes%n", before.heapBytes());
        out.printf("heap held:      %d bytes%n", during.heapBytes());
        out.printf("rss before:     %d bytes%n", before.rssBytes());
        out.printf("rss held:       %d bytes%n", during.rssBytes());
        out.printf("heap per lock:  %d bytes%n", (during.heapBytes() - before.heapBytes()) / held);
        out.printf("rss per lock:   %d bytes%n", (during.rssBytes() - before.rssBytes()) / held);
        out.flush();
    }
}
