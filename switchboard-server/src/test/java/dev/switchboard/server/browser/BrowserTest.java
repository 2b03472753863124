package dev.switchboard.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Opens the {@code /demo} page in headless Chromium, driven through chromedriver's W3C WebDriver
 * HTTP protocol (plain {@link HttpClient} and Jackson, no Selenium): the page uses the HTTP API
 * (session, ops, EventSource) and the WebSocket, and must see its own signal on both.
 *
 * <p>Needs Debian's {@code chromium} and {@code chromium-driver}; without them the test is skipped,
 * unless the environment variable {@code CI} is set, where it fails.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Switchboard sb;
    private Process driver;
    private List<ProcessHandle> browserProcesses = List.of();
    private Path userDataDir;
    private Path driverLog;
    private String webDriver;
    private String sessionId;
    private String missingBrowser;

    @BeforeAll
    void start() throws Exception {
        List<String> missing = new ArrayList<>();
        for (Path p : List.of(CHROMIUM, CHROMEDRIVER)) {
            if (!Files.isExecutable(p)) missing.add(p.toString());
        }
        if (!missing.isEmpty()) {
            // Reported per test (see requireBrowser), so that a skip shows up as a skipped test.
            missingBrowser = "BrowserTest needs " + String.join(" and ", missing)
                    + " (Debian packages chromium and chromium-driver; .ci/run installs them)";
            return;
        }
        sb = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1)).start();

        int driverPort;
        try (ServerSocket s = new ServerSocket(0)) {
            driverPort = s.getLocalPort();
        }
        userDataDir = Files.createTempDirectory("switchboard-chromium-");
        driverLog = Files.createTempFile("chromedriver-", ".log");
        driver = new ProcessBuilder(CHROMEDRIVER.toString(), "--port=" + driverPort)
                .redirectErrorStream(true)
                .redirectOutput(driverLog.toFile())
                .start();
        webDriver = "http://127.0.0.1:" + driverPort;
        awaitDriverReady(Duration.ofSeconds(20));

        Map<String, Object> chromeOptions = Map.of(
                "binary", CHROMIUM.toString(),
                "args", List.of("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--disable-quic", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--user-data-dir=" + userDataDir));
        Map<String, Object> capabilities = Map.of("capabilities", Map.of("alwaysMatch", Map.of(
                "browserName", "chrome",
                "pageLoadStrategy", "normal",
                "goog:chromeOptions", chromeOptions)));
        JsonNode created = webDriver("POST", "/session", capabilities, Duration.ofSeconds(60));
        sessionId = created.path("value").path("sessionId").asString();
        assertThat(sessionId).as("WebDriver session id in " + created).isNotBlank();
        browserProcesses = driver.toHandle().descendants().toList();
    }

    /** Without Chromium: fails when the environment variable CI is set, skips otherwise. */
    @BeforeEach
    void requireBrowser() {
        if (missingBrowser == null) return;
        if (System.getenv("CI") != null) Assertions.fail(missingBrowser);
        Assumptions.abort(missingBrowser);
    }

    @Test
    void demoPageReceivesItsSignalOverEventSourceAndWebSocket() throws Exception {
        String url = "http://127.0.0.1:" + sb.port() + "/demo";
        long started = System.nanoTime();
        webDriver("POST", "/session/" + sessionId + "/url", Map.of("url", url), Duration.ofSeconds(30));

        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String title = "";
        while (System.nanoTime() < deadline) {
            title = webDriver("GET", "/session/" + sessionId + "/title", null, Duration.ofSeconds(10)).path("value").asString();
            if (title.equals("done") || title.startsWith("error")) break;
            Thread.sleep(100);
        }
        String text = resultText();
        System.out.printf("BrowserTest: title \"%s\" after %d ms; #result: %s%n",
                title, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), text.replaceAll("\\s+", " "));
        assertThat(title).as("document.title; #result is:\n" + text).isEqualTo("done");

        JsonNode result = JSON.readTree(text);
        assertThat(strings(result.path("sse"))).as(text).contains("from-browser");
        assertThat(strings(result.path("ws"))).as(text).contains("from-browser");
        assertThat(result.path("lock").asString()).as(text).isEqualTo("acquired");
        assertThat(result.path("welcome").asBoolean()).as(text).isTrue();
        assertThat(result.path("errors").isArray()).as(text).isTrue();
        assertThat(result.path("errors").size()).as(text).isZero();

        // Server side: the page's WebSocket session holds demo-lock while the page is open.
        JsonNode stats = dflockdStats();
        List<String> held = new ArrayList<>();
        for (JsonNode lock : stats.path("locks")) held.add(lock.path("key").asString());
        assertThat(held).as("locks held, from stats " + stats).contains("demo-lock");
    }

    private String resultText() {
        JsonNode found = webDriver("POST", "/session/" + sessionId + "/element",
                Map.of("using", "css selector", "value", "#result"), Duration.ofSeconds(10));
        String element = found.path("value").path(ELEMENT_KEY).asString();
        assertThat(element).as("#result in " + found).isNotBlank();
        return webDriver("GET", "/session/" + sessionId + "/element/" + element + "/text", null, Duration.ofSeconds(10))
                .path("value").asString();
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : array) out.add(n.asString());
        return out;
    }

    /** The server's stats over the dflockd line protocol: {@code stats\n_\n_\n} answers {@code ok {...}}. */
    private JsonNode dflockdStats() throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", sb.port()), 5000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write("stats\n_\n_\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
            assertThat(line).as("stats answer").isNotNull().startsWith("ok {");
            return JSON.readTree(line.substring(3));
        }
    }

    // ---- WebDriver ---------------------------------------------------------------------------------

    private JsonNode webDriver(String method, String path, Object body, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(webDriver + path)).timeout(timeout);
        if (body != null) {
            b.header("Content-Type", "application/json; charset=utf-8")
                    .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " failed; chromedriver log:\n" + driverLogTail(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (r.statusCode() != 200) {
            throw new AssertionError(method + " " + path + " → " + r.statusCode() + " " + r.body()
                    + "\nchromedriver log:\n" + driverLogTail());
        }
        return JSON.readTree(r.body());
    }

    private void awaitDriverReady(Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (!driver.isAlive()) {
                throw new AssertionError("chromedriver exited with " + driver.exitValue() + ":\n" + driverLogTail());
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(webDriver + "/status"))
                        .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && JSON.readTree(r.body()).path("value").path("ready").asBoolean()) return;
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("chromedriver not ready within " + limit + ":\n" + driverLogTail());
    }

    private String driverLogTail() {
        if (driverLog == null) return "";
        try {
            String log = Files.readString(driverLog, StandardCharsets.UTF_8);
            return log.length() > 4000 ? log.substring(log.length() - 4000) : log;
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    // ---- clean-up ----------------------------------------------------------------------------------

    @AfterAll
    void stop() {
        try {
            if (sessionId != null) {
                try {
                    webDriver("DELETE", "/session/" + sessionId, null, Duration.ofSeconds(10));
                } catch (RuntimeException | AssertionError e) {
                    System.err.println("BrowserTest: deleting the WebDriver session failed: " + e);
                }
            }
        } finally {
            try {
                if (driver != null) {
                    List<ProcessHandle> all = new ArrayList<>(browserProcesses);
                    all.addAll(driver.toHandle().descendants().toList());
                    driver.destroy();
                    all.forEach(ProcessHandle::destroy);
                    awaitExit(driver.toHandle(), all);
                }
            } finally {
                if (sb != null) sb.close();
                deleteQuietly(userDataDir);
                deleteQuietly(driverLog);
            }
        }
    }

    /** Waits up to 5 s for the processes to end, then kills what is left. */
    private static void awaitExit(ProcessHandle driver, List<ProcessHandle> browser) {
        List<ProcessHandle> all = new ArrayList<>(browser);
        all.add(driver);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (ProcessHandle p : all) {
            long left = deadline - System.nanoTime();
            if (left <= 0) break;
            try {
                p.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                // killed below
            }
        }
        for (ProcessHandle p : all) {
            if (p.isAlive()) p.destroyForcibly();
        }
    }

    private static void deleteQuietly(Path path) {
        if (path == null || !Files.exists(path)) return;
        try (Stream<Path> walk = Files.walk(path)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort: chromium may still be writing
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // best effort
        }
    }
}
