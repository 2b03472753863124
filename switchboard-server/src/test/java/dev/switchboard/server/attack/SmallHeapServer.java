package dev.switchboard.server.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.server.cli.Main;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The real server in a child JVM with a small heap and little direct memory, on a free loopback
 * port, for attack tests: run an attack against {@link #port()}, then {@link #assertRecovered}
 * checks what a user would check — {@code /health} answers 200 promptly, a healthy dflockd client
 * is granted a lock, nothing ran out of memory, and the live heap is back near where it was.
 *
 * <pre>{@code
 * try (SmallHeapServer server = SmallHeapServer.start("--session-grace", "0")) {
 *     long before = server.liveHeapBytes();   // after a warm-up of the same attack, if it loads classes
 *     ...attack server.port(), bounded in count and time...
 *     server.assertRecovered(before);
 * }
 * }</pre>
 *
 * <p>"Live heap" is the sum of the class histogram that {@code jcmd <pid> GC.class_histogram}
 * prints, which first runs a full collection: only reachable objects are counted, so garbage the
 * attack left for the collector does not show, and anything the server still holds does.
 * {@link #liveInstances} reads single classes from the same histogram.
 */
public final class SmallHeapServer implements AutoCloseable {
    /** Heap of the child JVM: the attacks in the issue exhausted 512 MB; this is a fraction of that. */
    public static final String HEAP = "-Xmx96m";
    /** Direct memory of the child JVM (Netty's socket buffers). */
    public static final String DIRECT_MEMORY = "-XX:MaxDirectMemorySize=32m";
    /**
     * How far the live heap may be above its reading before the attack. What legitimately remains
     * (lazily created objects of code paths first run by the attack, Netty's pooled caches, counters)
     * measured tens of kilobytes in the attack tests, the more so when a small round of the same
     * attack ran before the baseline; the leaks they look for are tens of MiB at the sizes they use
     * (each test states what it saw before its fix), so 2 MiB tells one from the other.
     */
    public static final long HEAP_TOLERANCE_BYTES = 2L * 1024 * 1024;
    /**
     * How long {@code /health}, the lock probe and {@code stats} may take after an attack. A
     * healthy server answers in milliseconds; the margin is for a build machine whose two cores
     * are shared, while a server the attack broke does not answer at all.
     */
    public static final Duration PROMPTLY = Duration.ofSeconds(5);
    /** How long the live heap has to come back after an attack (see {@link #assertRecovered}). */
    public static final Duration SETTLE = Duration.ofSeconds(10);
    /** The first requests of a fresh JVM also load and compile the code they run. */
    private static final Duration FIRST_ANSWER = Duration.ofSeconds(20);

    private static final Pattern LISTENING = Pattern.compile("listening on /127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern STATS_CONNECTIONS = Pattern.compile("^ok \\{\"connections\":(\\d+)");
    private static final Pattern HISTOGRAM_ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");
    private static final Pattern HISTOGRAM_TOTAL = Pattern.compile("^Total\\s+(\\d+)\\s+(\\d+)");
    private static final int LOG_LINES_KEPT = 500;

    private final Process process;
    private final int port;
    private final Deque<String> log = new ArrayDeque<>();
    private boolean outOfMemorySeen;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(PROMPTLY).build();

    private SmallHeapServer(Process process, BufferedReader out) throws IOException {
        this.process = process;
        int found = -1;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (found < 0) {
            String line = out.readLine();
            if (line == null || System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException("the server did not start: " + recentLog());
            }
            keep(line);
            Matcher m = LISTENING.matcher(line);
            if (m.find()) found = Integer.parseInt(m.group(1));
        }
        this.port = found;
        Thread pump = new Thread(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) keep(line);
            } catch (IOException e) {
                keep("(server output unreadable: " + e + ")");
            }
        }, "small-heap-server-output");
        pump.setDaemon(true);
        pump.start();
    }

    /**
     * Starts {@link Main} on 127.0.0.1, port 0, with {@link #HEAP} and {@link #DIRECT_MEMORY};
     * {@code options} are further command-line options of the server.
     */
    public static SmallHeapServer start(String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                HEAP, DIRECT_MEMORY,
                "-cp", System.getProperty("java.class.path"), "-Dlogback.configurationFile=logback.xml",
                Main.class.getName(), "--host", "127.0.0.1", "--port", "0"));
        command.addAll(List.of(options));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        SmallHeapServer server = new SmallHeapServer(p, out);
        server.assertServing(FIRST_ANSWER); // loads the classes of both probes before any baseline is read
        return server;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    /** Bytes of reachable objects, after a full collection in the child. */
    public long liveHeapBytes() throws IOException, InterruptedException {
        for (String line : histogram()) {
            Matcher m = HISTOGRAM_TOTAL.matcher(line);
            if (m.find()) return Long.parseLong(m.group(2));
        }
        throw new IllegalStateException("no Total line in the class histogram");
    }

    /** Reachable instances of one class (binary name, e.g. {@code dev.switchboard.core.pubsub.TopicTree$Node}). */
    public long liveInstances(String className) throws IOException, InterruptedException {
        for (String line : histogram()) {
            Matcher m = HISTOGRAM_ROW.matcher(line);
            if (m.find() && m.group(3).equals(className)) return Long.parseLong(m.group(1));
        }
        return 0;
    }

    /**
     * After an attack: {@code /health} answers 200 within {@link #PROMPTLY}, a dflockd client is
     * granted a lock within it, the server never ran out of memory, and the live heap comes back
     * to at most {@link #HEAP_TOLERANCE_BYTES} above {@code liveHeapBefore} within {@link #SETTLE}.
     */
    public void assertRecovered(long liveHeapBefore) throws IOException, InterruptedException {
        assertServing();
        assertThat(outOfMemorySeen()).as("OutOfMemoryError in the server log: %s", recentLog()).isFalse();
        // Connections end over a few seconds (a closed connection's last timers still hold it), so
        // the heap is given that long to come back.
        AtomicLong after = new AtomicLong();
        try {
            await().atMost(SETTLE).pollDelay(Duration.ZERO).pollInterval(Duration.ofSeconds(1)).until(() -> {
                after.set(liveHeapBytes());
                return after.get() <= liveHeapBefore + HEAP_TOLERANCE_BYTES;
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("live heap " + after.get() + " bytes, " + (after.get() - liveHeapBefore)
                    + " above its " + liveHeapBefore + " before the attack (tolerance " + HEAP_TOLERANCE_BYTES
                    + ") after " + SETTLE.toSeconds() + " s", e);
        }
    }

    /** {@code /health} answers 200 and a healthy client is granted a lock, each within {@link #PROMPTLY}. */
    public void assertServing() throws IOException, InterruptedException {
        assertServing(PROMPTLY);
    }

    private void assertServing(Duration within) throws IOException, InterruptedException {
        assertThat(process.isAlive()).as("server process alive; log: %s", recentLog()).isTrue();
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                .timeout(within).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).as("/health: %s", health.body()).isEqualTo(200);
        try (Socket s = Wire.connect(port, within)) {
            Wire.send(s, "l\nsmall-heap-probe\n5\n");
            assertThat(Wire.readLine(s)).as("lock for a healthy client").matches("ok [0-9a-f]{32} \\d+");
        }
    }

    /** {@code connections} of a dflockd {@code stats}, answered within {@link #PROMPTLY}. */
    public long statsConnections() throws IOException {
        try (Socket s = Wire.connect(port, PROMPTLY)) {
            Wire.send(s, "stats\n_\n_\n");
            String line = Wire.readLine(s);
            Matcher m = STATS_CONNECTIONS.matcher(line);
            assertThat(m.find()).as("stats answer: %s", line).isTrue();
            // The asking connection has its own session; it is not part of what is measured.
            return Long.parseLong(m.group(1)) - 1;
        }
    }

    /** The value of one unlabelled series of {@code /metrics}, e.g. {@code switchboard_handshake_timeouts_total}. */
    public double metric(String series) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(PROMPTLY).GET().build(), HttpResponse.BodyHandlers.ofString());
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(r.body());
        assertThat(m.find()).as("%s in /metrics", series).isTrue();
        return Double.parseDouble(m.group(1));
    }

    /** The last lines the server wrote (at most {@value #LOG_LINES_KEPT}). */
    public synchronized String recentLog() {
        return String.join("\n", log);
    }

    public synchronized boolean outOfMemorySeen() {
        return outOfMemorySeen;
    }

    private synchronized void keep(String line) {
        if (line.contains("OutOfMemoryError")) outOfMemorySeen = true;
        log.addLast(line);
        if (log.size() > LOG_LINES_KEPT) log.removeFirst();
    }

    private List<String> histogram() throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (!Files.isExecutable(jcmd)) throw new IllegalStateException("the attack tests need a JDK with jcmd: " + jcmd);
        Process p = new ProcessBuilder(jcmd.toString(), String.valueOf(pid()), "GC.class_histogram")
                .redirectErrorStream(true).start();
        List<String> lines;
        try (InputStream in = p.getInputStream()) {
            lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
        if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("jcmd failed: " + String.join("\n", lines));
        }
        return lines;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
    }
}
