package dev.switchboard.server.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.cli.Main;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
    /** How long {@code /health} and the lock probe may take after an attack. */
    public static final Duration PROMPTLY = Duration.ofSeconds(2);

    private static final Pattern LISTENING = Pattern.compile("listening on /127\\.0\\.0\\.1:(\\d+)");
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
        server.assertServing(); // loads the classes of both probes before any baseline is read
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
     * granted a lock within it, the server never ran out of memory, and the live heap is at most
     * {@link #HEAP_TOLERANCE_BYTES} above {@code liveHeapBefore}.
     */
    public void assertRecovered(long liveHeapBefore) throws IOException, InterruptedException {
        assertServing();
        assertThat(outOfMemorySeen()).as("OutOfMemoryError in the server log: %s", recentLog()).isFalse();
        long after = liveHeapBytes();
        assertThat(after).as("live heap after the attack (before: %d bytes)", liveHeapBefore)
                .isLessThanOrEqualTo(liveHeapBefore + HEAP_TOLERANCE_BYTES);
    }

    /** {@code /health} answers 200 and a healthy client is granted a lock, each within {@link #PROMPTLY}. */
    public void assertServing() throws IOException, InterruptedException {
        assertThat(process.isAlive()).as("server process alive; log: %s", recentLog()).isTrue();
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                .timeout(PROMPTLY).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).as("/health: %s", health.body()).isEqualTo(200);
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout((int) PROMPTLY.toMillis());
            OutputStream out = s.getOutputStream();
            out.write("l\nsmall-heap-probe\n5\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readLine(s.getInputStream())).as("lock for a healthy client").matches("ok [0-9a-f]{32} \\d+");
        }
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

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c; (c = in.read()) >= 0 && c != '\n'; ) sb.append((char) c);
        return sb.toString();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
    }
}
