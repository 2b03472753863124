package dev.switchboard.bench.relay;

import dev.switchboard.bench.ServerAddress;
import java.io.IOException;

/** The servers and framings the relay benchmark can drive. */
enum RelayWire {
    /** Switchboard's direct messages ({@code relay.send}, {@code relay.message}) in binary envelopes over WebSocket. */
    ws(true) {
        @Override
        RelayPeer open(ServerAddress server, String name) throws IOException {
            return new WebSocketPeer(server, new EnvelopeFraming());
        }
    },
    // The compact binary relay frame becomes a constant here, with its own RelayFraming.
    /** Core NATS, peer to peer: each peer subscribes to {@code peer.<name>}, its partner publishes there. */
    nats(false) {
        @Override
        RelayPeer open(ServerAddress server, String name) throws IOException {
            return new NatsPeer(server, name);
        }
    };

    private final boolean acknowledgesSends;

    RelayWire(boolean acknowledgesSends) {
        this.acknowledgesSends = acknowledgesSends;
    }

    /** True when the server answers every send, so the run checks every send was answered. */
    boolean acknowledgesSends() {
        return acknowledgesSends;
    }

    /** A connected peer; {@code name} is a unique name for servers where the client picks its address. */
    abstract RelayPeer open(ServerAddress server, String name) throws IOException;
}
