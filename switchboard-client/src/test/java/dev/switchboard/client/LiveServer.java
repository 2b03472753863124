package dev.switchboard.client;

import dev.switchboard.server.Switchboard;
import dev.switchboard.server.SwitchboardConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real server for a test class ({@code @RegisterExtension static final LiveServer SERVER = new LiveServer();})
 * and the clients a test connects to it, closed after each test.
 */
final class LiveServer implements BeforeAllCallback, AfterAllCallback, AfterEachCallback {
    private final List<SwitchboardClient> clients = new CopyOnWriteArrayList<>();
    private final UnaryOperator<SwitchboardConfig.Builder> config;
    private Switchboard server;

    LiveServer() {
        this(b -> b);
    }

    /** A server with its settings adjusted by {@code config} (an ACL file, small bounds). */
    LiveServer(UnaryOperator<SwitchboardConfig.Builder> config) {
        this.config = config;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        server = config.apply(Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1))).start();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        clients.forEach(SwitchboardClient::close);
        clients.clear();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        server.close();
    }

    int port() {
        return server.port();
    }

    /** The embedding API's sessions (to send named messages, say). */
    dev.switchboard.server.embed.EmbeddedSessions sessions() {
        return server.sessions();
    }

    /** Sets attributes of a session as the embedding application would ({@code server.} keys included). */
    boolean setSessionAttributes(String sessionId, java.util.Map<String, String> changes) {
        return server.setSessionAttributes(sessionId, changes);
    }

    /** A client connected to the server, closed after the test. */
    SwitchboardClient client() {
        return client(b -> b);
    }

    /** A client built with {@code settings} (a token, listeners), connected to the server and closed after the test. */
    SwitchboardClient client(UnaryOperator<SwitchboardClient.Builder> settings) {
        return client(server.port(), settings);
    }

    /** As {@link #client(UnaryOperator)}, connected to {@code port} (a proxy in front of the server). */
    SwitchboardClient client(int port, UnaryOperator<SwitchboardClient.Builder> settings) {
        SwitchboardClient c = settings.apply(SwitchboardClient.builder().host("127.0.0.1").port(port)).connect();
        clients.add(c);
        return c;
    }
}
