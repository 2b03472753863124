package dev.switchboard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * A scrape stays small however many requests, to however many distinct paths, the server has
 * answered: the HTTP series are labelled by route pattern and status, never by raw path, and the
 * duration histogram has a handful of buckets.
 */
class MetricsScrapeSizeTest {
    /** Distinct paths per round; each round also touches the same few route patterns. */
    private static final int PATHS_PER_ROUND = 150;
    /**
     * The scrape's bound. Each (method, route, status) seen adds 13 lines of about 130 bytes
     * (a counter, a summary's count, sum and max, the histogram's six buckets, count, sum and max):
     * about 1.7 KB. The test reaches at most eight such triples (four routes, /metrics included,
     * each with a 2xx and a 4xx at most): 16 KiB over the node's base scrape (its first one, which
     * grows with every feature's own metrics) leaves room, and is some twenty times less than the
     * old percentile histogram's 300 KB after 30 requests.
     */
    private static final int MAX_GROWTH_BYTES = 16 * 1024;

    @Test
    void scrapeSizeDoesNotGrowWithDistinctPaths() throws Exception {
        try (Switchboard sb = Switchboard.builder().port(0).start()) {
            String base = "http://127.0.0.1:" + sb.port();
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

            String baseline = get(http, base + "/metrics").body(); // its own request shows in the next one
            round(http, base, 0);
            String first = get(http, base + "/metrics").body();
            round(http, base, 1);
            String second = get(http, base + "/metrics").body();

            assertThat(second.length() - baseline.length()).as("scrape growth in bytes after %d requests", 2 * 3 * PATHS_PER_ROUND)
                    .isLessThan(MAX_GROWTH_BYTES);
            assertThat(seriesOf(second)).as("series after the second round of new paths")
                    .isEqualTo(seriesOf(first));
            assertThat(second).doesNotContain("key-0-").doesNotContain("/no/such/page-");
            assertThat(second).contains("switchboard_http_request_duration_seconds_bucket{")
                    .contains("status=\"4xx\"");
        }
    }

    /** Requests to new paths under three routes: a lock key, an unknown page, a signal channel. */
    private static void round(HttpClient http, String base, int round) throws Exception {
        for (int i = 0; i < PATHS_PER_ROUND; i++) {
            get(http, base + "/v1/locks/key-" + round + "-" + i);
            get(http, base + "/no/such/page-" + round + "-" + i);
            get(http, base + "/health?probe=" + round + "-" + i);
        }
    }

    private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Each sample's name and labels, without its value. */
    private static Set<String> seriesOf(String scrape) {
        Set<String> series = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            series.add(line.substring(0, line.lastIndexOf(' ')));
        }
        return series;
    }
}
