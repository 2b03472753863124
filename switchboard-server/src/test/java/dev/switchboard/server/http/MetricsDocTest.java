package dev.switchboard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/metrics.md lists exactly the metric families a scrape of a busy server contains: every
 * documented family is scraped, with the documented type and labels, and every scraped
 * {@code switchboard_*} or {@code dflockd_*} family is documented. The connection and traffic
 * series are also checked to move, so none of them is documented while stuck at zero.
 */
class MetricsDocTest {
    private static final Path DOC = Path.of("..", "docs", "metrics.md");
    private static final Pattern ROW = Pattern.compile("^\\|\\s*`((?:switchboard|dflockd)_[a-z0-9_]*)`\\s*\\|\\s*([a-z]+)\\s*\\|([^|]*)\\|");
    private static final Pattern BACKTICKED = Pattern.compile("`([a-zA-Z_][a-zA-Z0-9_]*)`");
    private static final Set<String> SERIES_LABELS = Set.of("le", "quantile");

    record Documented(String type, Set<String> labels) {
    }

    record Sample(String name, Map<String, String> labels, double value) {
    }

    /** A parsed scrape: each family's type (from its TYPE line) and samples. */
    static final class Scrape {
        final Map<String, String> types = new TreeMap<>();
        final Map<String, List<Sample>> samples = new TreeMap<>();

        String familyOf(String sample) {
            if (types.containsKey(sample)) return sample;
            for (String suffix : new String[] {"_bucket", "_count", "_sum", "_created"}) {
                if (sample.endsWith(suffix)) {
                    String base = sample.substring(0, sample.length() - suffix.length());
                    if (types.containsKey(base)) return base;
                }
            }
            return sample;
        }

        double value(String family, String label, String labelValue) {
            double sum = 0;
            boolean found = false;
            for (Sample s : samples.getOrDefault(family, List.of())) {
                if (label == null || labelValue.equals(s.labels().get(label))) {
                    sum += s.value();
                    found = true;
                }
            }
            assertThat(found).as("series %s{%s=%s} in the scrape", family, label, labelValue).isTrue();
            return sum;
        }
    }

    /** The families only a clustered node exports (the "Cluster families" table). */
    private static final String CLUSTER_PREFIX = "switchboard_cluster_";

    @Test
    void everyExportedFamilyIsDocumentedAndEveryDocumentedFamilyIsExported() throws Exception {
        Map<String, Documented> documented = documented();
        documented.keySet().removeIf(family -> family.startsWith(CLUSTER_PREFIX));
        assertThat(documented).as("metric rows in docs/metrics.md").hasSizeGreaterThanOrEqualTo(10);

        try (Switchboard sb = Switchboard.builder().port(0).start();
             Socket dflockd = new Socket("127.0.0.1", sb.port());
             Socket jsonLines = new Socket("127.0.0.1", sb.port());
             Socket jsonFrames = new Socket("127.0.0.1", sb.port());
             dev.switchboard.server.ws.WsClient webSocket = dev.switchboard.server.ws.WsClient.hello(sb.port())) {
            String base = "http://127.0.0.1:" + sb.port();
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/health"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);

            // A dflockd lock held over the line protocol, left open while scraping.
            dflockd.setSoTimeout(5000);
            dflockd.getOutputStream().write("l\nk\n5\n".getBytes(StandardCharsets.US_ASCII));
            dflockd.getOutputStream().flush();
            String granted = new BufferedReader(new InputStreamReader(dflockd.getInputStream(), StandardCharsets.UTF_8)).readLine();
            assertThat(granted).startsWith("ok ");

            // A native JSON-lines session and a native length-prefixed session.
            jsonLines.setSoTimeout(5000);
            jsonLines.getOutputStream().write("{\"op\":\"hello\",\"id\":1,\"version\":1}\n".getBytes(StandardCharsets.UTF_8));
            jsonLines.getOutputStream().flush();
            String welcome = new BufferedReader(new InputStreamReader(jsonLines.getInputStream(), StandardCharsets.UTF_8)).readLine();
            assertThat(welcome).contains("\"welcome\"");

            jsonFrames.setSoTimeout(5000);
            byte[] hello = "{\"op\":\"hello\",\"id\":1,\"version\":1}".getBytes(StandardCharsets.UTF_8);
            OutputStream out = jsonFrames.getOutputStream();
            out.write(ByteBuffer.allocate(4).putInt(hello.length).array());
            out.write(hello);
            out.flush();
            DataInputStream in = new DataInputStream(jsonFrames.getInputStream());
            byte[] frame = new byte[in.readInt()];
            in.readFully(frame);
            assertThat(new String(frame, StandardCharsets.UTF_8)).contains("\"welcome\"");

            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(ct -> assertThat(ct).startsWith("text/plain; version=0.0.4"));
            Scrape scrape = parse(metrics.body());

            Set<String> exported = new TreeSet<>();
            for (String family : scrape.types.keySet()) {
                if (family.startsWith("switchboard_") || family.startsWith("dflockd_")) exported.add(family);
            }
            Set<String> undocumented = new TreeSet<>(exported);
            undocumented.removeAll(documented.keySet());
            Set<String> missing = new TreeSet<>(documented.keySet());
            missing.removeAll(exported);
            assertThat(undocumented).as("families the server exports that docs/metrics.md does not list").isEmpty();
            assertThat(missing).as("families docs/metrics.md lists that the scrape lacks").isEmpty();

            List<String> problems = new ArrayList<>();
            for (Map.Entry<String, Documented> e : documented.entrySet()) {
                String family = e.getKey();
                if (!e.getValue().type().equals(scrape.types.get(family))) {
                    problems.add(family + ": documented as " + e.getValue().type() + ", exported as " + scrape.types.get(family));
                }
                Set<String> labels = new TreeSet<>();
                for (Sample s : scrape.samples.getOrDefault(family, List.of())) labels.addAll(s.labels().keySet());
                labels.removeAll(SERIES_LABELS);
                if (scrape.samples.containsKey(family) && !labels.equals(e.getValue().labels())) {
                    problems.add(family + ": documented labels " + e.getValue().labels() + ", exported " + labels);
                }
                if (!scrape.samples.containsKey(family)) problems.add(family + ": no series in the scrape");
            }
            assertThat(problems).isEmpty();

            // What the requests above must have moved.
            for (String transport : new String[] {"dflockd", "json", "json-frames", "http", "ws"}) {
                assertThat(scrape.value("switchboard_connections", "transport", transport))
                        .as("switchboard_connections{transport=%s}", transport).isGreaterThanOrEqualTo(1);
            }
            assertThat(scrape.value("switchboard_network_received_bytes_total", null, null)).isPositive();
            assertThat(scrape.value("switchboard_network_sent_bytes_total", null, null)).isPositive();
            assertThat(scrape.value("dflockd_locks_held", null, null)).isEqualTo(1);
            assertThat(scrape.value("switchboard_locks_held", null, null)).isEqualTo(1);
            assertThat(scrape.value("switchboard_lock_keys", null, null)).isEqualTo(1);
            assertThat(scrape.value("switchboard_sessions", null, null)).isGreaterThanOrEqualTo(3);
            assertThat(scrape.value("dflockd_connections", null, null)).isGreaterThanOrEqualTo(3);
            assertThat(scrape.value("dflockd_ready", null, null)).isEqualTo(1);
            assertThat(scrape.value("dflockd_http_requests_total", "path", "/health")).isEqualTo(1);
            assertThat(scrape.value("switchboard_http_request_duration_seconds", "route", "/health")).isPositive();
        }
    }

    @Test
    void aClusteredNodeExportsExactlyTheDocumentedClusterFamilies() throws Exception {
        Map<String, Documented> documented = documented();
        documented.keySet().removeIf(family -> !family.startsWith(CLUSTER_PREFIX));
        assertThat(documented).as("cluster rows in docs/metrics.md").isNotEmpty();
        try (dev.switchboard.cluster.testing.NatsServer nats = dev.switchboard.cluster.testing.NatsServer.started();
             dev.switchboard.cluster.testing.EtcdServer etcd = dev.switchboard.cluster.testing.EtcdServer.started();
             Switchboard sb = Switchboard.builder().port(0).cluster(dev.switchboard.cluster.ClusterSettings.of("metrics-node",
                     "127.0.0.1:0", "switchboard", dev.switchboard.cluster.ClusterSettings.Nats.plain(List.of(nats.url())),
                     dev.switchboard.cluster.ClusterSettings.Etcd.plain(List.of(etcd.url())))).start()) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sb.port() + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build();
            // Scraped once etcd has answered a probe, so that every documented series has moved.
            Scrape scrape = org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> parse(http.send(get, HttpResponse.BodyHandlers.ofString()).body()),
                            s -> s.value("switchboard_cluster_engine_up", "engine", "etcd") == 1);
            Set<String> exported = new TreeSet<>(scrape.types.keySet());
            exported.removeIf(family -> !family.startsWith(CLUSTER_PREFIX));
            assertThat(exported).isEqualTo(documented.keySet());
            for (Map.Entry<String, Documented> e : documented.entrySet()) {
                assertThat(scrape.types.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue().type());
                Set<String> labels = new TreeSet<>();
                for (Sample s : scrape.samples.get(e.getKey())) labels.addAll(s.labels().keySet());
                assertThat(labels).as(e.getKey()).isEqualTo(e.getValue().labels());
                if (!e.getValue().labels().contains("engine")) {
                    assertThat(scrape.value(e.getKey(), null, null)).as(e.getKey()).isNotNull();
                    continue;
                }
                for (String engine : new String[] {"nats", "etcd"}) {
                    assertThat(scrape.value(e.getKey(), "engine", engine)).as("%s{engine=%s}", e.getKey(), engine).isNotNull();
                }
            }
            assertThat(scrape.value("switchboard_cluster_engine_up", "engine", "nats")).isEqualTo(1);
            assertThat(scrape.value("switchboard_cluster_round_trips_total", "engine", "etcd")).isPositive();
        }
    }

    /** The rows of the tables of docs/metrics.md whose first cell is a backticked metric name. */
    static Map<String, Documented> documented() throws IOException {
        Map<String, Documented> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(DOC)) {
            Matcher m = ROW.matcher(line);
            if (!m.find()) continue;
            Set<String> labels = new TreeSet<>();
            Matcher l = BACKTICKED.matcher(m.group(3));
            while (l.find()) labels.add(l.group(1));
            assertThat(out.put(m.group(1), new Documented(m.group(2), labels))).as("%s documented twice", m.group(1)).isNull();
        }
        return out;
    }

    /** The Prometheus text format 0.0.4: TYPE lines and samples {@code name{label="value",...} value}. */
    static Scrape parse(String text) {
        Scrape scrape = new Scrape();
        List<Sample> all = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank()) continue;
            if (line.startsWith("#")) {
                String[] parts = line.split(" ");
                if (parts.length >= 4 && parts[1].equals("TYPE")) scrape.types.put(parts[2], parts[3]);
                continue;
            }
            all.add(sample(line));
        }
        for (Sample s : all) {
            scrape.samples.computeIfAbsent(scrape.familyOf(s.name()), k -> new ArrayList<>()).add(s);
        }
        return scrape;
    }

    private static Sample sample(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') i++;
        String name = line.substring(0, i);
        Map<String, String> labels = new TreeMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String label = line.substring(i, eq).trim();
                assertThat(line.charAt(eq + 1)).as("quoted label value in %s", line).isEqualTo('"');
                StringBuilder value = new StringBuilder();
                int j = eq + 2;
                for (; line.charAt(j) != '"'; j++) {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char n = line.charAt(++j);
                        value.append(n == 'n' ? '\n' : n);
                    } else {
                        value.append(c);
                    }
                }
                labels.put(label, value.toString());
                i = j + 1;
                if (line.charAt(i) == ',') i++;
            }
            i++;
        }
        String[] rest = line.substring(i).trim().split(" ");
        return new Sample(name, labels, Double.parseDouble(rest[0]));
    }
}
