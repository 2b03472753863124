package dev.switchboard.cluster.testing;

/**
 * One nats-server and one etcd for every test class of a test JVM that only uses them (never
 * stops, kills or restarts them), started on first use and closed when the JVM exits: each takes
 * up to a second or two to start on a busy machine, once per run instead of once per class.
 *
 * <p>A class using them keeps what it writes apart by a prefix of its own (NATS subjects, etcd
 * keys, JetStream stream names), as a node's {@code --cluster-prefix} does, so no class sees
 * another's state even when classes run at once. A test that stops, kills or restarts NATS or
 * etcd starts a server of its own instead ({@link NatsServer#started()}, {@link EtcdServer#started()}).
 */
public final class SharedEngines {
    private static NatsServer nats;
    private static EtcdServer etcd;

    private SharedEngines() {
    }

    /** The shared nats-server (JetStream on), started on first call. Never stop it. */
    public static synchronized NatsServer nats() {
        if (nats == null) nats = closedAtExit(NatsServer.started());
        return nats;
    }

    /** The shared etcd, started on first call. Never stop it. */
    public static synchronized EtcdServer etcd() {
        if (etcd == null) etcd = closedAtExit(EtcdServer.started());
        return etcd;
    }

    private static <S extends ExternalServer> S closedAtExit(S server) {
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shared-engine-closer"));
        return server;
    }
}
