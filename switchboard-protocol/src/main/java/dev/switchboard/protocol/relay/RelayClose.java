package dev.switchboard.protocol.relay;

import io.netty.buffer.ByteBuf;

/** Close ({@code 01 04}), from either side: the receiver closes the connection. */
public record RelayClose() implements RelayMessage {
    public static final RelayClose INSTANCE = new RelayClose();

    @Override
    public RelayMessageType type() {
        return RelayMessageType.CLOSE;
    }

    @Override
    public void encode(ByteBuf out) {
        RelayMessage.writeHeader(type(), out);
    }
}
