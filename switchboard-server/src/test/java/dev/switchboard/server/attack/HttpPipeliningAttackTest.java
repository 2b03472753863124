package dev.switchboard.server.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Four connections pipeline {@code GET /demo} (an unauthenticated page of about 10 KB) and never
 * read an answer. Before the fix the answers piled up in direct memory until every I/O thread
 * blocked in {@code Bits.reserveMemory}, and {@code /health} and new connections timed out for
 * good. Now a connection that leaves its answers unread is read no further, and is cut once it
 * owes more than {@code --http-max-pending-bytes} or stays backed up past {@code --write-timeout};
 * the server answers others meanwhile, and heap and direct memory come back.
 */
class HttpPipeliningAttackTest {
    private static final int CONNECTIONS = 4;
    private static final int REQUESTS_PER_CONNECTION = 20_000;
    private static final int WRITE_TIMEOUT_SECONDS = 2;
    private static final long TIME_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final byte[] REQUEST = "GET /demo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final String[] CUT_SERIES = {
            "switchboard_http_slow_readers_cut_total{reason=\"pending_bytes\",response=\"single\"}",
            "switchboard_http_slow_readers_cut_total{reason=\"write_deadline\",response=\"single\"}"};

    @Test
    void pipelinersThatNeverReadAreCutAndMemoryComesBack() throws Exception {
        try (SmallHeapServer server = SmallHeapServer.start("--write-timeout", String.valueOf(WRITE_TIMEOUT_SECONDS));
                DirectMemory direct = DirectMemory.of(server)) {
            attack(server, 1, 2_000); // the same code paths once, before the baseline
            long heapBefore = server.liveHeapBytes();
            long directBefore = direct.usedBytes();

            attack(server, CONNECTIONS, REQUESTS_PER_CONNECTION);

            server.assertRecovered(heapBefore);
            direct.assertBackNear(directBefore);
        }
    }

    /**
     * Opens {@code connections} that pipeline {@code requests} each without reading, checks that the
     * server serves a healthy client while they are open, and waits until the server has cut each.
     */
    private static void attack(SmallHeapServer server, int connections, int requests) throws Exception {
        double cutBefore = cuts(server);
        List<SocketChannel> attackers = new ArrayList<>();
        try {
            for (int i = 0; i < connections; i++) attackers.add(open(server.port()));
            pipeline(attackers, requests, server);
            await().atMost(Duration.ofSeconds(WRITE_TIMEOUT_SECONDS + 8)).pollInterval(Duration.ofMillis(100))
                    .until(() -> cuts(server) - cutBefore >= connections);
        } finally {
            for (SocketChannel c : attackers) c.close();
        }
        assertThat(cuts(server) - cutBefore).as("connections cut as slow readers").isEqualTo(connections);
    }

    /** A connection with a small receive window, so that what the server sends backs up at once. */
    private static SocketChannel open(int port) throws IOException {
        SocketChannel c = SocketChannel.open();
        c.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
        c.connect(new InetSocketAddress("127.0.0.1", port));
        c.configureBlocking(false);
        return c;
    }

    /**
     * Writes {@code requests} requests on each connection, round robin, without reading: until each
     * has sent them all or been closed by the server (whose socket then refuses more), bounded in
     * time. The first time every socket is full, a healthy client is served meanwhile.
     */
    private static void pipeline(List<SocketChannel> attackers, int requests, SmallHeapServer server)
            throws IOException, InterruptedException {
        List<ByteBuffer> remaining = new ArrayList<>();
        for (int i = 0; i < attackers.size(); i++) {
            ByteBuffer b = ByteBuffer.allocate(REQUEST.length * requests);
            for (int r = 0; r < requests; r++) b.put(REQUEST);
            remaining.add(b.flip());
        }
        long started = System.nanoTime();
        boolean progress = true;
        boolean servedMeanwhile = false;
        while (progress && System.nanoTime() - started < TIME_LIMIT_NANOS) {
            progress = false;
            for (int i = 0; i < attackers.size(); i++) {
                ByteBuffer b = remaining.get(i);
                if (!b.hasRemaining()) continue;
                try {
                    if (attackers.get(i).write(b) > 0) progress = true;
                } catch (IOException cutByServer) {
                    b.position(b.limit());
                }
            }
            if (!progress && remaining.stream().anyMatch(ByteBuffer::hasRemaining)) {
                if (!servedMeanwhile) {
                    server.assertServing();
                    servedMeanwhile = true;
                }
                progress = pauseBriefly();
            }
        }
        if (!servedMeanwhile) server.assertServing();
    }

    /** The socket is full: let the server read some (or cut the connection); true to try again within the time limit. */
    private static boolean pauseBriefly() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return true;
    }

    private static double cuts(SmallHeapServer server) throws IOException, InterruptedException {
        double sum = 0;
        for (String series : CUT_SERIES) sum += server.metric(series);
        return sum;
    }
}
