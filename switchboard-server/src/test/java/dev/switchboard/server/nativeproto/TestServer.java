package dev.switchboard.server.nativeproto;

import dev.switchboard.server.Switchboard;
import dev.switchboard.server.SwitchboardConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A server for the session tests: loopback, an ephemeral port, a Unix socket of its own, the
 * admin API open to {@link ServerView#ADMIN_TOKEN}, and a quick stop; {@code options} adds the
 * settings a test needs. Either started by a test ({@link #start}), or shared by a test class as
 * an extension ({@code @RegisterExtension static final TestServer SERVER = TestServer.perClass();}).
 */
final class TestServer implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
    private final UnaryOperator<SwitchboardConfig.Builder> options;
    private Switchboard sb;
    private Path dir;
    private Path unixSocket;
    private ServerView view;

    private TestServer(UnaryOperator<SwitchboardConfig.Builder> options) {
        this.options = options;
    }

    /** A server started now. */
    static TestServer start(UnaryOperator<SwitchboardConfig.Builder> options) throws IOException {
        TestServer s = new TestServer(options);
        s.run();
        return s;
    }

    /** A server started before the first test of the class that registers it, and stopped after the last. */
    static TestServer perClass() {
        return new TestServer(b -> b);
    }

    /** As {@link #perClass()}, with {@code options}. */
    static TestServer perClass(UnaryOperator<SwitchboardConfig.Builder> options) {
        return new TestServer(options);
    }

    private void run() throws IOException {
        dir = Files.createTempDirectory("sb-session");
        unixSocket = dir.resolve("sb.sock");
        sb = options.apply(Switchboard.builder().host("127.0.0.1").port(0).unixSocket(unixSocket)
                .adminToken(ServerView.ADMIN_TOKEN).shutdownTimeout(Duration.ofSeconds(1))).start();
        view = new ServerView(sb.port());
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        run();
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        close();
    }

    /** The Unix socket the server listens on. */
    Path unixSocket() {
        return unixSocket;
    }

    int port() {
        return sb.port();
    }

    /** The stats and admin views of this server. */
    ServerView view() {
        return view;
    }

    /** The value of one series of the Prometheus scrape, e.g. {@code switchboard_rpc_in_flight}. */
    double metric(String series) throws Exception {
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                        .newBuilder(java.net.URI.create("http://127.0.0.1:" + port() + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        for (String line : r.body().split("\n")) {
            if (line.startsWith(series + " ")) return Double.parseDouble(line.substring(series.length() + 1).trim());
        }
        throw new AssertionError(series + " is not in the scrape");
    }

    /** Starts a graceful stop without waiting for it ({@link #close()} waits). */
    void drain() {
        sb.drain();
    }

    /** A native connection over {@code transport} (one of {@link NativeConn#TRANSPORTS}). */
    NativeConn open(String transport) throws Exception {
        return NativeConn.open(transport, sb.port(), unixSocket);
    }

    /** A native connection over {@code transport} that said {@code hello}, with {@code token} when not null. */
    NativeConn peer(String transport, String token) throws Exception {
        NativeConn c = open(transport);
        tools.jackson.databind.JsonNode welcome = c.request("{\"op\":\"hello\",\"id\":1,\"version\":1"
                + (token == null ? "" : ",\"token\":\"" + token + "\"") + "}", 1);
        if (!"welcome".equals(welcome.path("op").asString())) throw new AssertionError("no welcome: " + welcome);
        return c;
    }

    @Override
    public void close() throws IOException {
        if (sb == null) return;
        sb.close();
        sb = null;
        Files.deleteIfExists(unixSocket);
        Files.deleteIfExists(dir);
    }
}
