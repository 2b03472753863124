package dev.switchboard.bench.relay;

/** The {@code --framing} a Switchboard WebSocket peer sends and receives direct messages in. */
enum FramingChoice {
    /** Binary envelopes: {@code relay.send} with a JSON header, answered by a JSON reply. */
    envelope {
        @Override
        RelayFraming forPeer(String expectedSender) {
            return new EnvelopeFraming();
        }
    },
    /** Compact relay frames: no JSON, and no answer to a successful send. */
    compact {
        @Override
        RelayFraming forPeer(String expectedSender) {
            return new CompactFraming(expectedSender);
        }
    };

    /** A framing for one peer; {@code expectedSender} is the only peer it may receive from, null for none. */
    abstract RelayFraming forPeer(String expectedSender);
}
