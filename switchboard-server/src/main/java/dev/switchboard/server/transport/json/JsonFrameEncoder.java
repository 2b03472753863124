package dev.switchboard.server.transport.json;

import dev.switchboard.server.transport.JsonSupport;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import java.util.Map;

/** Writes a message as compact JSON: followed by a newline, or after a 4-byte big-endian length. */
final class JsonFrameEncoder extends MessageToByteEncoder<Map<String, Object>> {
    private final boolean lengthPrefixed;

    @SuppressWarnings({"unchecked", "rawtypes"})
    JsonFrameEncoder(boolean lengthPrefixed) {
        super((Class) Map.class);
        this.lengthPrefixed = lengthPrefixed;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Map<String, Object> msg, ByteBuf out) {
        byte[] json = JsonSupport.write(msg);
        if (lengthPrefixed) {
            out.writeInt(json.length);
            out.writeBytes(json);
        } else {
            out.writeBytes(json);
            out.writeByte('\n');
        }
    }
}
