package dev.switchboard.protocol.relay;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * AuthResponse, the server's answer to a valid Auth: {@code 01 07 | instance URL (UTF-8)}, at most
 * {@link #MAX_BYTES} in all (the original's {@code MaxHandshakeRespSize}).
 */
public record RelayAuthResponse(String instanceUrl) implements RelayMessage {
    public static final int MAX_BYTES = 8192;

    public RelayAuthResponse {
        try {
            RelayInstanceUrl.check(instanceUrl);
        } catch (RelayProtocolException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        int length = RelayMessageType.HEADER_BYTES + instanceUrl.getBytes(StandardCharsets.UTF_8).length;
        if (length > MAX_BYTES) {
            throw new IllegalArgumentException("an AuthResponse is at most " + MAX_BYTES + " bytes, not " + length);
        }
    }

    @Override
    public RelayMessageType type() {
        return RelayMessageType.AUTH_RESPONSE;
    }

    @Override
    public void encode(ByteBuf out) {
        RelayMessage.writeHeader(type(), out);
        out.writeCharSequence(instanceUrl, StandardCharsets.UTF_8);
    }

    static RelayAuthResponse decode(ByteBuf frame) throws RelayProtocolException {
        int length = frame.writerIndex();
        if (length > MAX_BYTES) {
            throw new RelayProtocolException(RelayProtocolException.Reason.OVERSIZE,
                    "an AuthResponse is at most " + MAX_BYTES + " bytes, not " + length);
        }
        if (length <= RelayMessageType.HEADER_BYTES) {
            throw new RelayProtocolException(RelayProtocolException.Reason.TRUNCATED, "an AuthResponse carries an instance URL");
        }
        String url = frame.toString(RelayMessageType.HEADER_BYTES, length - RelayMessageType.HEADER_BYTES, StandardCharsets.UTF_8);
        RelayInstanceUrl.check(url);
        return new RelayAuthResponse(url);
    }
}
