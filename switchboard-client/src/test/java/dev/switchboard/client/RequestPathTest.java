package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.switchboard.server.Switchboard;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The request path without a thread hop: requests are written on the caller's thread, blocking
 * calls time out on their own wait, and answers are read without a tree.
 */
class RequestPathTest {
    private static final Duration LONG = Duration.ofSeconds(20);
    private static final Pattern ID = Pattern.compile("\"id\":(\\d+)");

    /** On epoll (the default on Linux) and on NIO: each writes directly to the socket its own way. */
    @ParameterizedTest(name = "native transport {0}")
    @ValueSource(booleans = {true, false})
    void messagesFromSeveralThreadsBiggerThanTheSocketBufferArriveWholeAndInOrder(boolean nativeTransport) throws Exception {
        int threads = 4;
        int perThread = 25;
        String padding = "x".repeat(60_000); // together several MB: the socket cannot take it all at once
        List<Signal> seen = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (Switchboard server = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1)).start();
             SwitchboardClient listener = SwitchboardClient.builder().port(server.port()).onSignal(seen::add).connect();
             SwitchboardClient publisher = SwitchboardClient.builder().port(server.port()).nativeTransport(nativeTransport).connect()) {
            listener.listen("big.*");
            List<CompletableFuture<Integer>> answers = new CopyOnWriteArrayList<>();
            List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                sent.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        answers.add(publisher.publishAsync("big." + thread, i + ":" + padding));
                    }
                }));
            }
            for (java.util.concurrent.Future<?> f : sent) {
                f.get(LONG.toSeconds(), TimeUnit.SECONDS);
            }
            CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(LONG.toSeconds(), TimeUnit.SECONDS);
            assertThat(answers).allSatisfy(a -> assertThat(a).isCompletedWithValue(1));
            await().atMost(LONG).until(() -> seen.size() == threads * perThread);
        } finally {
            pool.shutdownNow();
        }
        Map<String, List<Integer>> orderByChannel = new ConcurrentHashMap<>();
        for (Signal s : seen) {
            String[] parts = s.payload().split(":", 2);
            assertThat(parts[1]).isEqualTo(padding);
            orderByChannel.computeIfAbsent(s.channel(), c -> new ArrayList<>()).add(Integer.parseInt(parts[0]));
        }
        assertThat(orderByChannel).hasSize(threads);
        List<Integer> expected = java.util.stream.IntStream.range(0, perThread).boxed().toList();
        assertThat(orderByChannel.values()).allSatisfy(order -> assertThat(order).isEqualTo(expected));
    }

    @Test
    void aBlockingAcquireWithoutAnAnswerTimesOutOnItsOwnWaitAndItsLateGrantIsReleased() throws Exception {
        try (ServerSocket fake = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> releaseSeen = new CompletableFuture<>();
            CompletableFuture<Void> clientGaveUp = new CompletableFuture<>();
            Thread silentServer = new Thread(() -> serveOneLateGrant(fake, clientGaveUp, releaseSeen), "silent-server");
            silentServer.setDaemon(true);
            silentServer.start();
            try (SwitchboardClient client = SwitchboardClient.builder().port(fake.getLocalPort())
                    .requestTimeout(Duration.ofMillis(300)).reconnect(false).connect()) {
                long start = System.nanoTime();
                assertThatThrownBy(() -> client.acquire(Resource.lock("late"), Duration.ZERO))
                        .isInstanceOf(RequestTimeoutException.class)
                        .hasMessageContaining("lock.acquire");
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(250), LONG);
                clientGaveUp.complete(null);
                assertThat(releaseSeen.get(LONG.toSeconds(), TimeUnit.SECONDS))
                        .contains("\"op\":\"lock.release\"").contains("\"token\":\"late-token\"");
            }
        }
    }

    /** Says welcome, answers the first request only once the client gave up on it, then reports the next request. */
    private static void serveOneLateGrant(ServerSocket fake, CompletableFuture<Void> clientGaveUp,
                                          CompletableFuture<String> next) {
        try (Socket s = fake.accept()) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = s.getOutputStream();
            String hello = in.readLine();
            out.write(("{\"op\":\"welcome\",\"id\":" + id(hello) + ",\"session\":\"0123456789abcdef0123456789abcdef\","
                    + "\"protocol\":1,\"server\":\"switchboard/fake\",\"heartbeat_ms\":0,\"limits\":{}}\n")
                    .getBytes(StandardCharsets.UTF_8));
            String acquire = in.readLine();
            clientGaveUp.get(LONG.toSeconds(), TimeUnit.SECONDS);
            out.write(("{\"op\":\"reply\",\"id\":" + id(acquire) + ",\"result\":{\"status\":\"acquired\","
                    + "\"token\":\"late-token\",\"lease_ms\":30000}}\n").getBytes(StandardCharsets.UTF_8));
            next.complete(in.readLine());
        } catch (Exception e) {
            next.completeExceptionally(e);
        }
    }

    private static String id(String line) {
        Matcher m = ID.matcher(line);
        assertThat(m.find()).as("an id in %s", line).isTrue();
        return m.group(1);
    }
}
