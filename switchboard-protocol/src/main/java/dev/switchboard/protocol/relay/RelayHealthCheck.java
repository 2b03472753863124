package dev.switchboard.protocol.relay;

import io.netty.buffer.ByteBuf;

/** HealthCheck ({@code 01 05}): the server sends it on an interval and the client echoes it. */
public record RelayHealthCheck() implements RelayMessage {
    public static final RelayHealthCheck INSTANCE = new RelayHealthCheck();

    @Override
    public RelayMessageType type() {
        return RelayMessageType.HEALTH_CHECK;
    }

    @Override
    public void encode(ByteBuf out) {
        RelayMessage.writeHeader(type(), out);
    }
}
