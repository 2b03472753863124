package dev.switchboard.bench.relay;

import dev.switchboard.bench.ServerAddress;
import java.io.IOException;

/** The servers and framings the relay benchmark can drive. */
enum RelayWire {
    /** Switchboard's direct messages over WebSocket, in binary envelopes or compact relay frames. */
    ws(true) {
        @Override
        RelayPeer open(ServerAddress server, String name, RelayFraming framing) throws IOException {
            return new WebSocketPeer(server, framing);
        }
    },
    /** Core NATS, peer to peer: each peer subscribes to {@code peer.<name>}, its partner publishes there. */
    nats(false) {
        @Override
        RelayPeer open(ServerAddress server, String name, RelayFraming framing) throws IOException {
            return new NatsPeer(server, name);
        }
    };

    private final boolean acknowledgesSends;

    RelayWire(boolean acknowledgesSends) {
        this.acknowledgesSends = acknowledgesSends;
    }

    /** True when the server answers every send in {@code framing}, so the run checks every send was answered. */
    boolean acknowledgesSends(FramingChoice framing) {
        return acknowledgesSends && framing.forPeer(null).answersSends();
    }

    /**
     * A connected peer; {@code name} is a unique name for servers where the client picks its address,
     * {@code framing} how a Switchboard peer frames direct messages (other servers have their own).
     */
    abstract RelayPeer open(ServerAddress server, String name, RelayFraming framing) throws IOException;
}
