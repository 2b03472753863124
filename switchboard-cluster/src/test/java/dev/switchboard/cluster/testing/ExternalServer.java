package dev.switchboard.cluster.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A server program from Debian's packages (nats-server, etcd) run by a test on free loopback ports,
 * with its own data directory and log file. It can be stopped gently, killed (SIGKILL) and started
 * again on the same ports and data, which is what the failure tests need. Every instance is also
 * killed when the JVM exits, so a failed test leaves no process behind.
 */
public abstract class ExternalServer implements AutoCloseable {
    /**
     * A deadline for a hung start, not a speed: three node JVMs, etcd and nats-server start at once
     * on two cores, and on a host that ran the VM about ten times slower than usual node JVMs took
     * 35 s to join (3 s on a normal day).
     */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final String name;
    private final Path dir;
    private Process process;

    protected ExternalServer(String name) {
        this.name = name;
        try {
            this.dir = Files.createTempDirectory("sb-" + name + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(this::kill, name + "-reaper"));
    }

    /** The command line, with the ports this instance keeps for its whole life. */
    protected abstract List<String> command(Path dataDir);

    /** The port whose accepting a connection means the server is up. */
    protected abstract int readyPort();

    /** Whether the server answers as its users need; by default, whether {@link #readyPort()} accepts connections. */
    protected boolean serving() {
        return accepts(readyPort());
    }

    /** Whether the program is installed (tests skip nothing: a missing binary fails loudly with the package to install). */
    protected static String binary(String program, String debianPackage) {
        for (String d : new String[]{"/usr/bin", "/usr/sbin", "/usr/local/bin"}) {
            Path p = Path.of(d, program);
            if (Files.isExecutable(p)) return p.toString();
        }
        throw new IllegalStateException(program + " not found: install the Debian package " + debianPackage
                + " (.ci/run does)");
    }

    /** Starts the program and waits until it accepts connections. */
    public synchronized ExternalServer start() {
        if (process != null && process.isAlive()) return this;
        Path data = dir.resolve("data");
        Path log = dir.resolve("server.log");
        try {
            Files.createDirectories(data);
            process = new ProcessBuilder(command(data)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new IllegalStateException(name + " exited at start: " + tail(log));
            if (serving()) return this;
            try {
                process.waitFor(20, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting " + name, e);
            }
        }
        kill();
        throw new IllegalStateException(name + " did not accept connections within " + START_TIMEOUT + ": " + tail(log));
    }

    /**
     * Starts every server at once, each on a thread of its own, and returns when all accept
     * connections: a test needing nats-server, etcd and node JVMs waits for the slowest, not for
     * the sum. If one fails, all are killed and the first failure is thrown.
     */
    public static void startAll(List<? extends ExternalServer> servers) {
        List<Thread> starters = new ArrayList<>();
        List<RuntimeException> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (ExternalServer s : servers) {
            Thread t = new Thread(() -> {
                try {
                    s.start();
                } catch (RuntimeException e) {
                    failures.add(e);
                }
            }, s.name + "-starter");
            t.start();
            starters.add(t);
        }
        try {
            for (Thread t : starters) t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failures.add(new IllegalStateException("interrupted while starting servers", e));
        }
        if (!failures.isEmpty()) {
            servers.forEach(ExternalServer::kill);
            RuntimeException first = failures.get(0);
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
        }
    }

    /** SIGTERM, and SIGKILL if it has not exited within 10 s. */
    public synchronized void stop() {
        if (process == null) return;
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** SIGKILL: the server gets no chance to clean up. */
    public synchronized void kill() {
        if (process == null) return;
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    public synchronized boolean running() {
        return process != null && process.isAlive();
    }

    /** Stops the program and deletes its data and log. */
    @Override
    public void close() {
        kill();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory left behind is not worth failing a test for
        }
    }

    /** The last lines of the server's log, for failure messages. */
    public String logTail() {
        return tail(dir.resolve("server.log"));
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    protected static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Distinct free loopback ports (free when asked; the server binds them right after). */
    protected static int[] freePorts(int n) {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                held.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket s : held) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing a probe socket
                }
            }
        }
    }
}
