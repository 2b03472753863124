package dev.switchboard.cluster.testing;

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

    public String url() {
        return "http://127.0.0.1:" + clientPort;
    }
}
