package dev.switchboard.server.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.protocol.relay.RelayAuth;
import dev.switchboard.protocol.relay.RelayCodec;
import dev.switchboard.protocol.relay.RelayMessageType;
import dev.switchboard.protocol.relay.RelayPeerId;
import dev.switchboard.protocol.relay.RelayPeerStates;
import dev.switchboard.protocol.relay.RelayTokens;
import dev.switchboard.protocol.relay.RelayTransport;
import dev.switchboard.server.Switchboard;
import dev.switchboard.server.SwitchboardConfig;
import dev.switchboard.server.identity.Acl;
import dev.switchboard.server.transport.relay.RelaySettings;
import dev.switchboard.server.ws.WsClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The openzro/NetBird relay protocol served on {@code /relay}, seen as a relay client sees it:
 * raw binary WebSocket messages, byte for byte.
 */
class RelayProtocolServerTest {
    /** One client for every scrape: a client per call left its selector thread behind until collected (Java 17 has no close). */
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static final String SECRET = "relay-test-secret";
    private static final RelayTokens TOKENS = new RelayTokens(SECRET, Clock.systemUTC(), Duration.ofDays(1), false);
    private static final String EXPOSED = "relay.example.org:443";
    private final List<AutoCloseable> open = new ArrayList<>();
    private Switchboard sb;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open) c.close();
        if (sb != null) sb.close();
    }

    private int start(UnaryOperator<RelaySettings> relay, UnaryOperator<SwitchboardConfig.Builder> more) {
        RelaySettings settings = relay.apply(RelaySettings.off().withSecret(SECRET).withExposedAddress(EXPOSED));
        sb = more.apply(Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1)).relay(settings)).start();
        return sb.port();
    }

    private int start() {
        return start(r -> r, b -> b);
    }

    private WsClient connect(int port) throws Exception {
        WsClient c = new WsClient(port, null, "/relay");
        open.add(c);
        return c;
    }

    private static byte[] authFor(RelayPeerId id, byte[] token) {
        return new RelayAuth(id, token).toBytes();
    }

    private static byte[] boundToken(RelayPeerId id) {
        return TOKENS.mint(Instant.now().plusSeconds(3600), id);
    }

    /** A relay peer that authenticated as the peer whose key is {@code key}. */
    private WsClient peer(int port, String key) throws Exception {
        RelayPeerId id = RelayPeerId.hashOf(key);
        WsClient c = connect(port);
        c.sendBinary(authFor(id, boundToken(id)));
        byte[] answer = c.readBinary();
        assertThat(answer).isEqualTo(concat(new byte[] {1, 7}, ("rel://" + EXPOSED).getBytes(StandardCharsets.US_ASCII)));
        return c;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    private static void assertClosedWithoutAnswer(WsClient c) {
        await().atMost(Duration.ofSeconds(5)).until(c::isClosed);
        assertThat(c.binaries).as("nothing is answered").isEmpty();
        assertThat(c.messages).isEmpty();
    }

    private double metric(String family, String reason) throws Exception {
        return metric(family, "reason", reason);
    }

    private double metric(String family, String labelName, String labelValue) throws Exception {
        HttpResponse<String> scrape = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + sb.port() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        String reason = labelValue;
        String label = reason == null ? "" : "\\{" + labelName + "=\"" + Pattern.quote(reason) + "\"\\}";
        Matcher m = Pattern.compile("(?m)^" + family + label + " (\\S+)$").matcher(scrape.body());
        assertThat(m.find()).as(family + " " + reason + " in the scrape").isTrue();
        return Double.parseDouble(m.group(1));
    }

    /** Two peers still relay to each other: a refusal elsewhere took nothing else down. */
    private void othersKeepWorking(int port) throws Exception {
        WsClient x = peer(port, "witness-x-" + System.nanoTime());
        String yKey = "witness-y-" + System.nanoTime();
        WsClient y = peer(port, yKey);
        // x learns y's id from y's key (the ids are derived from public data).
        x.sendBinary(new RelayTransport(RelayPeerId.hashOf(yKey), new byte[] {42}).toBytes());
        assertThat(y.readBinary()[RelayTransport.FIXED_BYTES]).isEqualTo((byte) 42);
    }

    // ---- the handshake ----------------------------------------------------------------------------

    @Test
    void authWithABoundTokenIsAnsweredWithTheInstanceUrl() throws Exception {
        int port = start();
        peer(port, "alice");
        assertThat(metric("switchboard_relay_peers_admitted_total", null)).isEqualTo(1.0);
    }

    @Test
    void theInstanceUrlDefaultsToTheListenAddress() throws Exception {
        int port = start(r -> r.withExposedAddress(null), b -> b.host("127.0.0.1"));
        RelayPeerId id = RelayPeerId.hashOf("alice");
        WsClient c = connect(port);
        c.sendBinary(authFor(id, boundToken(id)));
        assertThat(new String(c.readBinary(), StandardCharsets.US_ASCII)).isEqualTo("\u0001\u0007rel://127.0.0.1:" + port);
    }

    @Test
    void aBadSignatureIsClosedWithoutAnAnswer() throws Exception {
        int port = start();
        RelayPeerId id = RelayPeerId.hashOf("mallory");
        byte[] forged = new RelayTokens("another secret", Clock.systemUTC(), Duration.ofDays(1), false)
                .mint(Instant.now().plusSeconds(60), id);
        WsClient c = connect(port);
        c.sendBinary(authFor(id, forged));
        assertClosedWithoutAnswer(c);
        assertThat(metric("switchboard_relay_connections_closed_total", "token_bad_signature")).isEqualTo(1.0);
        othersKeepWorking(port);
    }

    @Test
    void aTokenBoundToAnotherPeerCannotClaimThisId() throws Exception {
        int port = start();
        WsClient victim = peer(port, "victim");
        RelayPeerId mallory = RelayPeerId.hashOf("mallory");
        WsClient c = connect(port);
        c.sendBinary(authFor(RelayPeerId.hashOf("victim"), boundToken(mallory)));
        assertClosedWithoutAnswer(c);
        assertThat(metric("switchboard_relay_connections_closed_total", "token_wrong_peer")).isEqualTo(1.0);
        assertThat(victim.isClosed()).as("the peer whose id was claimed is not evicted").isFalse();
    }

    @Test
    void anUnboundTokenIsRefusedUnlessAllowed() throws Exception {
        int port = start();
        RelayPeerId id = RelayPeerId.hashOf("legacy");
        WsClient c = connect(port);
        c.sendBinary(authFor(id, TOKENS.mint(Instant.now().plusSeconds(60))));
        assertClosedWithoutAnswer(c);
        assertThat(metric("switchboard_relay_connections_closed_total", "token_unbound")).isEqualTo(1.0);
        sb.close();

        port = start(r -> r.withUnboundTokens(true), b -> b);
        WsClient legacy = connect(port);
        legacy.sendBinary(authFor(id, TOKENS.mint(Instant.now().plusSeconds(60))));
        assertThat(legacy.readBinary()[1]).isEqualTo(RelayMessageType.AUTH_RESPONSE.code());
    }

    @Test
    void anExpiredTokenIsRefused() throws Exception {
        int port = start();
        RelayPeerId id = RelayPeerId.hashOf("late");
        WsClient c = connect(port);
        c.sendBinary(authFor(id, TOKENS.mint(Instant.now().minusSeconds(2), id)));
        assertClosedWithoutAnswer(c);
        assertThat(metric("switchboard_relay_connections_closed_total", "token_expired")).isEqualTo(1.0);
    }

    @Test
    void aConnectionEndsWithItsToken() throws Exception {
        int port = start();
        RelayPeerId id = RelayPeerId.hashOf("short-lived");
        WsClient c = connect(port);
        c.sendBinary(authFor(id, TOKENS.mint(Instant.now().plusSeconds(1), id)));
        assertThat(c.readBinary()[1]).isEqualTo(RelayMessageType.AUTH_RESPONSE.code());
        assertThat(c.readBinary()).as("Close once the token's expiry second is over").isEqualTo(new byte[] {1, 4});
        await().atMost(Duration.ofSeconds(5)).until(c::isClosed);
        assertThat(metric("switchboard_relay_connections_closed_total", "token_lifetime_over")).isEqualTo(1.0);
    }

    @Test
    void noAuthWithinTheDeadlineCloses() throws Exception {
        int port = start(r -> r.withAuthTimeout(Duration.ofMillis(150)), b -> b);
        WsClient silent = connect(port);
        assertClosedWithoutAnswer(silent);
        assertThat(metric("switchboard_relay_connections_closed_total", "auth_timeout")).isEqualTo(1.0);
        othersKeepWorking(port);
    }

    @Test
    void aFirstMessageOtherThanAuthCloses() throws Exception {
        int port = start();
        WsClient c = connect(port);
        c.sendBinary(new RelayTransport(RelayPeerId.hashOf("bob"), new byte[] {1}).toBytes());
        assertClosedWithoutAnswer(c);
        assertThat(metric("switchboard_relay_connections_closed_total", "auth_expected")).isEqualTo(1.0);
    }

    @Test
    void withoutASecretThereIsNoRelayRoute() throws Exception {
        sb = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1)).start();
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + sb.port() + "/relay")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(404);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new WsClient(sb.port(), null, "/relay"))
                .hasCauseInstanceOf(java.net.http.WebSocketHandshakeException.class);
    }

    // ---- Transport ----------------------------------------------------------------------------------

    @Test
    void transportGoesBothWaysByteForByteWithTheSourceIdInPlaceOfTheDestination() throws Exception {
        int port = start();
        WsClient alice = peer(port, "alice");
        WsClient bob = peer(port, "bob");
        RelayPeerId a = RelayPeerId.hashOf("alice");
        RelayPeerId b = RelayPeerId.hashOf("bob");
        Random random = new Random(7);
        for (int size : new int[] {0, 1, 1400, RelayTransport.MAX_PAYLOAD_BYTES}) {
            byte[] payload = new byte[size];
            random.nextBytes(payload);
            alice.sendBinary(concat(new byte[] {1, 3}, b.toBytes(), payload));
            assertThat(bob.readBinary()).as("%d bytes to bob", size).isEqualTo(concat(new byte[] {1, 3}, a.toBytes(), payload));
            bob.sendBinary(concat(new byte[] {1, 3}, a.toBytes(), payload));
            assertThat(alice.readBinary()).as("%d bytes to alice", size).isEqualTo(concat(new byte[] {1, 3}, b.toBytes(), payload));
        }
    }

    @Test
    void aMessageToAnUnknownPeerIsDroppedAndCounted() throws Exception {
        int port = start();
        WsClient alice = peer(port, "alice");
        WsClient bob = peer(port, "bob");
        alice.sendBinary(new RelayTransport(RelayPeerId.hashOf("nobody"), new byte[] {9}).toBytes());
        alice.sendBinary(new RelayTransport(RelayPeerId.hashOf("bob"), new byte[] {8}).toBytes());
        assertThat(bob.readBinary()[RelayTransport.FIXED_BYTES]).isEqualTo((byte) 8);
        assertThat(alice.isClosed()).isFalse();
        assertThat(metric("switchboard_relay_dropped_messages_total", "unknown_destination")).isEqualTo(1.0);
    }

    @Test
    void aMessageOverTheProtocolsMaximumClosesInsteadOfBeingTruncated() throws Exception {
        int port = start();
        WsClient alice = peer(port, "alice");
        WsClient bob = peer(port, "bob");
        byte[] tooLong = concat(new byte[] {1, 3}, RelayPeerId.hashOf("bob").toBytes(), new byte[RelayTransport.MAX_PAYLOAD_BYTES + 1]);
        alice.sendBinary(tooLong);
        await().atMost(Duration.ofSeconds(5)).until(alice::isClosed);
        assertThat(bob.binaries).as("nothing, not a cut message").isEmpty();
        assertThat(metric("switchboard_relay_connections_closed_total", "frame_too_large")).isEqualTo(1.0);
        othersKeepWorking(port);
    }

    @Test
    void aNewerConnectionWithTheSameIdReplacesTheOlderWhichGetsClose() throws Exception {
        int port = start();
        WsClient first = peer(port, "alice");
        WsClient second = peer(port, "alice");
        assertThat(first.readBinary()).isEqualTo(new byte[] {1, 4});
        await().atMost(Duration.ofSeconds(5)).until(first::isClosed);
        WsClient bob = peer(port, "bob");
        bob.sendBinary(new RelayTransport(RelayPeerId.hashOf("alice"), new byte[] {5}).toBytes());
        assertThat(second.readBinary()[RelayTransport.FIXED_BYTES]).isEqualTo((byte) 5);
    }

    // ---- a relay peer and a native peer -----------------------------------------------------------------

    @Test
    void aRelayPeerAndANativePeerWithAShaIdentityMessageEachOther() throws Exception {
        RelayPeerId nativeId = RelayPeerId.hashOf("native-key");
        String acl = "{\"identities\": [{\"name\": \"" + nativeId + "\", \"token\": \"t-native\"}]}";
        int port = start(r -> r, b -> b.acl(Acl.parse(acl)));
        WsClient relayPeer = peer(port, "alice");
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            out.write("{\"op\":\"hello\",\"id\":1,\"version\":1,\"token\":\"t-native\"}\n".getBytes(StandardCharsets.UTF_8));
            assertThat(in.readLine()).contains("\"welcome\"");
            byte[] bytes = {0, 1, 2, (byte) 0xff};
            relayPeer.sendBinary(new RelayTransport(nativeId, bytes).toBytes());
            String event = in.readLine();
            assertThat(event).contains("\"op\":\"relay.message\"").contains("\"from\":\"" + RelayPeerId.hashOf("alice") + "\"")
                    .contains("\"payload_b64\":\"" + Base64.getEncoder().encodeToString(bytes) + "\"");
            out.write(("{\"op\":\"relay.send\",\"id\":2,\"to\":\"" + RelayPeerId.hashOf("alice") + "\",\"payload_b64\":\"AAEC\"}\n")
                    .getBytes(StandardCharsets.UTF_8));
            assertThat(in.readLine()).contains("\"op\":\"reply\"").contains("\"result\":{}");
            assertThat(relayPeer.readBinary()).isEqualTo(concat(new byte[] {1, 3}, nativeId.toBytes(), new byte[] {0, 1, 2}));
        }
    }

    @Test
    void aMessageFromANativePeerWithoutAShaIdCannotBeNamedAndIsDropped() throws Exception {
        int port = start();
        WsClient relayPeer = peer(port, "alice");
        try (WsClient anonymous = WsClient.hello(port)) {
            JsonReply reply = new JsonReply(anonymous.request("{\"op\":\"relay.send\",\"id\":2,\"to\":\"" + RelayPeerId.hashOf("alice")
                    + "\",\"payload\":\"hi\"}", 2).toString());
            assertThat(reply.json()).contains("\"result\":{}");
            await().atMost(Duration.ofSeconds(5)).until(() -> metric("switchboard_relay_dropped_messages_total", "source_not_relay_id") == 1.0);
            assertThat(relayPeer.binaries).isEmpty();
        }
    }

    private record JsonReply(String json) {
    }

    // ---- Close and HealthCheck --------------------------------------------------------------------------

    @Test
    void closeFromThePeerEndsItsConnectionAndTakesItOffline() throws Exception {
        int port = start();
        WsClient watcher = peer(port, "watcher");
        WsClient bob = peer(port, "bob");
        RelayPeerId b = RelayPeerId.hashOf("bob");
        watcher.sendBinary(new RelayPeerStates(RelayMessageType.SUBSCRIBE_PEER_STATE, List.of(b)).toBytes());
        assertThat(watcher.readBinary()).isEqualTo(concat(new byte[] {1, 0x0A}, b.toBytes()));
        bob.sendBinary(new byte[] {1, 4});
        await().atMost(Duration.ofSeconds(5)).until(bob::isClosed);
        assertThat(watcher.readBinary()).isEqualTo(concat(new byte[] {1, 0x0B}, b.toBytes()));
    }

    @Test
    void theServerSendsHealthChecksAndClosesAPeerThatDoesNotEcho() throws Exception {
        int port = start(r -> r.withHealth(Duration.ofMillis(150), Duration.ofMillis(1000)), b -> b);
        WsClient echoing = peer(port, "echoing");
        WsClient silent = peer(port, "silent");
        // The echoing peer echoes every check until the end of the test. Had it stopped before the
        // metric is read, its own timeout (1 s after its first unanswered check) would have closed
        // it as well: a slow scrape then read 2 health_check_timeout closes instead of 1.
        AtomicInteger checks = new AtomicInteger();
        List<byte[]> others = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread echoer = new Thread(() -> {
            try {
                while (!stop.get()) {
                    byte[] m = echoing.binaries.poll(50, TimeUnit.MILLISECONDS);
                    if (m == null) continue;
                    if (!Arrays.equals(m, new byte[] {1, 5})) {
                        others.add(m);
                        continue;
                    }
                    checks.incrementAndGet();
                    echoing.sendBinary(m);
                }
            } catch (Exception e) {
                if (!stop.get()) others.add(("echo failed: " + e).getBytes(StandardCharsets.UTF_8));
            }
        }, "relay-health-echoer");
        echoer.start();
        try {
            // Open for 1.5 s on end, past the 1 s timeout: each check was echoed in time.
            await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5)).until(() -> !echoing.isClosed());
            assertThat(checks.get()).as("a check every 150 ms for 1.5 s, each echoed").isGreaterThanOrEqualTo(3);
            await().atMost(Duration.ofSeconds(5)).until(silent::isClosed);
            assertThat(silent.binaries).contains(new byte[] {1, 5}, new byte[] {1, 4});
            assertThat(metric("switchboard_relay_connections_closed_total", "health_check_timeout")).isEqualTo(1.0);
            assertThat(echoing.isClosed()).as("the echoing peer, still echoing").isFalse();
            assertThat(others).as("anything but a HealthCheck to the echoing peer").isEmpty();
        } finally {
            stop.set(true);
            echoer.join(TimeUnit.SECONDS.toMillis(5));
        }
    }

    // ---- peer states ----------------------------------------------------------------------------------

    @Test
    void subscribersHearOfPeersComingAndGoingUntilTheyUnsubscribe() throws Exception {
        int port = start();
        WsClient watcher = peer(port, "watcher");
        RelayPeerId b = RelayPeerId.hashOf("bob");
        watcher.sendBinary(new RelayPeerStates(RelayMessageType.SUBSCRIBE_PEER_STATE, List.of(b)).toBytes());
        WsClient bob = peer(port, "bob");
        assertThat(watcher.readBinary()).isEqualTo(concat(new byte[] {1, 0x0A}, b.toBytes()));
        bob.close();
        assertThat(watcher.readBinary()).isEqualTo(concat(new byte[] {1, 0x0B}, b.toBytes()));
        watcher.sendBinary(new RelayPeerStates(RelayMessageType.UNSUBSCRIBE_PEER_STATE, List.of(b)).toBytes());
        peer(port, "bob");
        // A message after bob's return: anything about bob would have come before it.
        WsClient carol = peer(port, "carol");
        carol.sendBinary(new RelayTransport(RelayPeerId.hashOf("watcher"), new byte[] {3}).toBytes());
        assertThat(watcher.readBinary()[1]).isEqualTo(RelayMessageType.TRANSPORT.code());
        assertThat(watcher.binaries).isEmpty();
    }

    @Test
    void moreThan244PeersComeInMessagesOfAtMost244Ids() throws Exception {
        int n = 300;
        StringBuilder acl = new StringBuilder("{\"identities\": [");
        List<RelayPeerId> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            RelayPeerId id = RelayPeerId.hashOf("many-" + i);
            ids.add(id);
            acl.append(i == 0 ? "" : ",").append("{\"name\": \"").append(id).append("\", \"token\": \"t").append(i).append("\"}");
        }
        int port = start(r -> r, b -> b.acl(Acl.parse(acl.append("]}").toString())));
        WsClient watcher = peer(port, "watcher");
        watcher.sendBinary(new RelayPeerStates(RelayMessageType.SUBSCRIBE_PEER_STATE, ids.subList(0, 244)).toBytes());
        watcher.sendBinary(new RelayPeerStates(RelayMessageType.SUBSCRIBE_PEER_STATE, ids.subList(244, n)).toBytes());
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                Socket s = new Socket("127.0.0.1", port);
                sockets.add(s);
                s.getOutputStream().write(("{\"op\":\"hello\",\"id\":1,\"version\":1,\"token\":\"t" + i + "\"}\n").getBytes(StandardCharsets.UTF_8));
            }
            Set<RelayPeerId> online = new HashSet<>();
            while (online.size() < n) {
                RelayPeerStates m = (RelayPeerStates) RelayCodec.decodeFromServer(watcher.readBinary());
                assertThat(m.type()).isEqualTo(RelayMessageType.PEERS_ONLINE);
                assertThat(m.peerIds().size()).isBetween(1, 244);
                online.addAll(m.peerIds());
            }
            assertThat(online).containsExactlyInAnyOrderElementsOf(ids);
        } finally {
            for (Socket s : sockets) s.close();
        }
        Set<RelayPeerId> offline = new HashSet<>();
        while (offline.size() < n) {
            RelayPeerStates m = (RelayPeerStates) RelayCodec.decodeFromServer(watcher.readBinary());
            assertThat(m.type()).isEqualTo(RelayMessageType.PEERS_WENT_OFFLINE);
            offline.addAll(m.peerIds());
        }
        assertThat(offline).containsExactlyInAnyOrderElementsOf(ids);
    }

    @Test
    void subscribingToMorePeersThanTheWatchBoundCloses() throws Exception {
        int port = start(r -> r, b -> b.presenceMaxIdsPerWatch(2));
        WsClient watcher = peer(port, "watcher");
        watcher.sendBinary(new RelayPeerStates(RelayMessageType.SUBSCRIBE_PEER_STATE,
                List.of(RelayPeerId.hashOf("1"), RelayPeerId.hashOf("2"), RelayPeerId.hashOf("3"))).toBytes());
        await().atMost(Duration.ofSeconds(5)).until(watcher::isClosed);
        assertThat(metric("switchboard_relay_connections_closed_total", "presence_max_ids")).isEqualTo(1.0);
        assertThat(metric("switchboard_limit_hits_total", "limit", "presence_max_ids_per_watch")).isEqualTo(1.0);
    }

    // ---- malformed messages ---------------------------------------------------------------------------

    @Test
    void eachMalformedMessageClosesItsConnectionOnly() throws Exception {
        int port = start();
        byte[] bob = RelayPeerId.hashOf("bob").toBytes();
        Object[][] cases = {
                {new byte[] {2, 5}, "bad_version"},
                {new byte[] {1, 0x0C}, "unknown_type"},
                {concat(new byte[] {1, 0x0A}, bob), "wrong_direction"},
                {new byte[] {1, 3, 's', 'h'}, "truncated"},
                {new byte[] {1, 5, 0}, "trailing_bytes"},
                {new byte[] {1, 8, 1, 2, 3}, "bad_id_list"},
                {concat(new byte[] {1, 3}, "xxx-".getBytes(StandardCharsets.US_ASCII), Arrays.copyOf(bob, 32)), "bad_peer_id"},
                {new byte[] {1, 1}, "unsupported_type"},
                {authFor(RelayPeerId.hashOf("again"), boundToken(RelayPeerId.hashOf("again"))), "auth_repeated"},
        };
        int i = 0;
        for (Object[] c : cases) {
            WsClient victim = peer(port, "victim-" + i++);
            victim.sendBinary((byte[]) c[0]);
            await().atMost(Duration.ofSeconds(5)).until(victim::isClosed);
            assertThat(victim.binaries).as((String) c[1]).isEmpty();
            assertThat(metric("switchboard_relay_connections_closed_total", (String) c[1])).as((String) c[1]).isEqualTo(1.0);
        }
        WsClient texter = peer(port, "texter");
        texter.send("{\"op\":\"hello\"}");
        await().atMost(Duration.ofSeconds(5)).until(texter::isClosed);
        assertThat(metric("switchboard_relay_connections_closed_total", "text_frame")).isEqualTo(1.0);
        othersKeepWorking(port);
    }
}
