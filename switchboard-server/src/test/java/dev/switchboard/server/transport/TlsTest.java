package dev.switchboard.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With a certificate configured the port speaks TLS only (as dflockd's listener does), and every
 * protocol is detected again inside the encrypted stream.
 */
class TlsTest {
    @TempDir
    static Path dir;
    private static Switchboard sb;
    private static SSLContext clientContext;

    @BeforeAll
    static void start() throws Exception {
        Path keystore = dir.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", "changeit")
                .redirectErrorStream(true).start();
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes())).isZero();

        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(keystore.toFile())) {
            ks.load(in, "changeit".toCharArray());
        }
        Certificate cert = ks.getCertificate("server");
        PrivateKey key = (PrivateKey) ks.getKey("server", "changeit".toCharArray());
        Path certPem = dir.resolve("cert.pem");
        Path keyPem = dir.resolve("key.pem");
        Files.writeString(certPem, pem("CERTIFICATE", cert.getEncoded()));
        Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded()));

        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", cert);
        tmf.init(trust);
        clientContext = SSLContext.getInstance("TLS");
        clientContext.init(null, tmf.getTrustManagers(), null);

        sb = Switchboard.builder().port(0).tls(certPem, keyPem).shutdownTimeout(Duration.ofSeconds(1)).start();
    }

    @AfterAll
    static void stop() {
        if (sb != null) sb.close();
    }

    @Test
    void dflockdProtocolWorksOverTls() throws Exception {
        try (SSLSocket s = tlsSocket()) {
            send(s, "l\ntls-key\n5\n");
            BufferedReader in = reader(s);
            assertThat(in.readLine()).matches("ok [0-9a-f]{32} 33");
            send(s, "ping\n_\n\n");
            assertThat(in.readLine()).isEqualTo("ok");
        }
    }

    @Test
    void nativeProtocolWorksOverTls() throws Exception {
        try (SSLSocket s = tlsSocket()) {
            send(s, "{\"op\":\"hello\",\"id\":1,\"version\":1}\n");
            assertThat(reader(s).readLine()).contains("\"op\":\"welcome\"");
        }
    }

    @Test
    void httpsAndWssAreServedOnTheSamePort() throws Exception {
        java.net.http.HttpClient https = java.net.http.HttpClient.newBuilder().sslContext(clientContext).build();
        java.net.http.HttpResponse<String> health = https.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("https://localhost:" + sb.port() + "/health")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).isEqualTo("{\"status\":\"ok\"}\n");

        java.util.concurrent.CompletableFuture<String> first = new java.util.concurrent.CompletableFuture<>();
        java.net.http.WebSocket ws = https.newWebSocketBuilder().buildAsync(
                java.net.URI.create("wss://localhost:" + sb.port() + "/api/v1/ws"), new java.net.http.WebSocket.Listener() {
                    @Override
                    public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket w, CharSequence data, boolean last) {
                        first.complete(data.toString());
                        return null;
                    }
                }).get(5, TimeUnit.SECONDS);
        ws.sendText("{\"op\":\"hello\",\"id\":1,\"version\":1}", true);
        assertThat(first.get(5, TimeUnit.SECONDS)).contains("\"op\":\"welcome\"");
        ws.abort();
    }

    @Test
    void plainConnectionsAreRefused() throws Exception {
        try (Socket s = new Socket("127.0.0.1", sb.port())) {
            s.setSoTimeout(5000);
            send(s, "l\nplain\n5\n");
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void plainHttpIsToldThePortSpeaksTls() throws Exception {
        double before = refused("plaintext");
        try (Socket s = new Socket("127.0.0.1", sb.port())) {
            s.setSoTimeout(5000);
            send(s, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("Connection: close\r\n")
                    .endsWith("\r\n\r\nThis port speaks TLS only: use https:// (or wss://).\n");
        }
        assertThat(refused("plaintext")).isEqualTo(before + 1);
    }

    @Test
    void junkHandshakesAreCountedAndLoggedOnOneRateLimitedLine() throws Exception {
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                org.slf4j.Logger.ROOT_LOGGER_NAME);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged = new ch.qos.logback.core.read.ListAppender<>();
        logged.start();
        root.addAppender(logged);
        try {
            double before = refused("handshake");
            java.util.SplittableRandom random = new java.util.SplittableRandom(7);
            int[] sent = {0};
            long start = System.nanoTime();
            for (int i = 0; i < 40; i++) junkHandshake(random, sent);
            java.util.function.Supplier<List<ch.qos.logback.classic.spi.ILoggingEvent>> warnings = () -> copy(logged)
                    .stream().filter(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN)).toList();
            // A line logged just before this test may hold the next one back for up to a second.
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(150)).until(() -> {
                if (!warnings.get().isEmpty()) return true;
                junkHandshake(random, sent);
                return false;
            });
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(refused("handshake")).isEqualTo(before + sent[0]));
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(warnings.get()).allSatisfy(e -> {
                assertThat(e.getThrowableProxy()).isNull();
                assertThat(e.getFormattedMessage()).startsWith("TLS handshake with ").doesNotContain("\n");
            });
            assertThat(warnings.get()).hasSizeLessThanOrEqualTo((int) Math.ceil(seconds) + 1);
            assertThat(warnings.get().size()).isLessThan(sent[0]);
        } finally {
            root.detachAppender(logged);
        }
    }

    /** The events logged so far (the appender adds them under its own lock, from the server's threads). */
    private static List<ch.qos.logback.classic.spi.ILoggingEvent> copy(
            ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender) {
        synchronized (appender) {
            return List.copyOf(appender.list);
        }
    }

    /** Sends a record that claims to be a handshake and holds junk, then waits for the server to close. */
    private static void junkHandshake(java.util.SplittableRandom random, int[] sent) throws Exception {
        try (Socket s = new Socket("127.0.0.1", sb.port())) {
            s.setSoTimeout(5000);
            byte[] junk = new byte[300];
            random.nextBytes(junk);
            junk[0] = 0x16;
            junk[1] = 0x03;
            junk[2] = 0x01;
            junk[3] = (byte) ((junk.length - 5) >> 8); // a whole record of junk
            junk[4] = (byte) (junk.length - 5);
            s.getOutputStream().write(junk);
            s.getInputStream().readAllBytes(); // until the server closes
        } catch (java.net.SocketException reset) {
            // a reset is a refusal too
        }
        sent[0]++;
    }

    /** The server's count of refused TLS connections of one kind, read over HTTPS. */
    private static double refused(String reason) throws Exception {
        java.net.http.HttpClient https = java.net.http.HttpClient.newBuilder().sslContext(clientContext).build();
        String body = https.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("https://localhost:" + sb.port() + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        String prefix = "switchboard_tls_handshake_failures_total{reason=\"" + reason + "\"} ";
        return body.lines().filter(l -> l.startsWith(prefix)).mapToDouble(l -> Double.parseDouble(l.substring(prefix.length())))
                .findFirst().orElseThrow();
    }

    private static SSLSocket tlsSocket() throws Exception {
        SSLSocket s = (SSLSocket) clientContext.getSocketFactory().createSocket("127.0.0.1", sb.port());
        s.setSoTimeout(5000);
        s.startHandshake();
        assertThat(s.getSession().getProtocol()).isIn("TLSv1.3", "TLSv1.2");
        return s;
    }

    private static void send(Socket s, String text) throws Exception {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static BufferedReader reader(Socket s) throws Exception {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}
