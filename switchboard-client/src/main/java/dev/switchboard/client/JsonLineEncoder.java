package dev.switchboard.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import java.io.OutputStream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes one JSON object per line. The client always uses line framing: its first byte is
 * {@code {}, which is what makes the server pick the native line protocol.
 */
@ChannelHandler.Sharable
final class JsonLineEncoder extends MessageToByteEncoder<JsonNode> {
    private final JsonMapper mapper;

    JsonLineEncoder(JsonMapper mapper) {
        super(JsonNode.class);
        this.mapper = mapper;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, JsonNode msg, ByteBuf out) throws Exception {
        // Jackson escapes control characters inside strings, so the only raw newline is ours.
        // Typed as OutputStream: ByteBufOutputStream is also a DataOutput, and the DataOutput
        // overload of writeValue would make the call ambiguous.
        try (OutputStream stream = new ByteBufOutputStream(out)) {
            mapper.writeValue(stream, msg);
        }
        out.writeByte('\n');
    }
}
