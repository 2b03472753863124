package dev.switchboard.cluster.testing;

import java.nio.file.Path;
import java.util.List;

/** Debian's nats-server on a free loopback port, with JetStream storing under its own directory. */
public final class NatsServer extends ExternalServer {
    private final int port;

    public NatsServer() {
        super("nats");
        this.port = freePorts(1)[0];
    }

    /** Starts a new server; close it when done. */
    public static NatsServer started() {
        NatsServer s = new NatsServer();
        s.start();
        return s;
    }

    @Override
    protected List<String> command(Path dataDir) {
        return List.of(binary("nats-server", "nats-server"), "-a", "127.0.0.1", "-p", Integer.toString(port),
                "-js", "-sd", dataDir.toString());
    }

    @Override
    protected int readyPort() {
        return port;
    }

    public String url() {
        return "nats://127.0.0.1:" + port;
    }
}
