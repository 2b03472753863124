package dev.switchboard.client;

import dev.switchboard.server.Switchboard;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
    private Switchboard server;

    @Override
    public void beforeAll(ExtensionContext context) {
        server = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1)).start();
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

    /** A client connected to the server, closed after the test. */
    SwitchboardClient client() {
        SwitchboardClient c = SwitchboardClient.connect("127.0.0.1", server.port());
        clients.add(c);
        return c;
    }
}
