package dev.switchboard.cluster.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** Debian's etcd (package etcd-server) as a one-member cluster on free loopback ports. */
public final class EtcdServer extends ExternalServer {
    private final int clientPort;
    private final int peerPort;

    public EtcdServer() {
        super("etcd");
        int[] ports = freePorts(2);
        this.clientPort = ports[0];
        this.peerPort = ports[1];
    }

    /** Starts a new server; close it when done. */
    public static EtcdServer started() {
        EtcdServer s = new EtcdServer();
        s.start();
        return s;
    }

    @Override
    protected List<String> command(Path dataDir) {
        String peer = "http://127.0.0.1:" + peerPort;
        return List.of(binary("etcd", "etcd-server"), "--name", "sb-test", "--data-dir", dataDir.toString(),
                "--listen-client-urls", url(), "--advertise-client-urls", url(),
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "sb-test=" + peer, "--log-level", "warn");
    }

    @Override
    protected int readyPort() {
        return clientPort;
    }

    /**
     * Whether etcd has elected itself leader ({@code GET /health} says {@code "health":"true"}):
     * it accepts connections before, and on a loaded machine a test's first call (a lease grant,
     * say) could time out while it waited for the election.
     */
    @Override
    protected boolean serving() {
        if (!accepts(clientPort)) return false;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", clientPort), 1_000);
            s.setSoTimeout(1_000);
            s.getOutputStream().write("GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8).contains("\"health\":\"true\"");
        } catch (IOException e) {
            return false;
        }
    }

    public String url() {
        return "http://127.0.0.1:" + clientPort;
    }
}
