package dev.switchboard.protocol.json;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import java.io.OutputStream;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Writes a message (a {@code Map} or a {@link JsonNode}) as compact JSON in the given
 * {@link Framing}. Other outbound messages (bytes already encoded) pass through untouched.
 */
@ChannelHandler.Sharable
public final class JsonMessageEncoder extends MessageToByteEncoder<Object> {
    private final Framing framing;

    public JsonMessageEncoder(Framing framing) {
        super(Object.class);
        this.framing = framing;
    }

    @Override
    public boolean acceptOutboundMessage(Object msg) {
        return msg instanceof Map<?, ?> || msg instanceof JsonNode;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Object msg, ByteBuf out) throws Exception {
        int start = out.writerIndex();
        framing.begin(out);
        // Typed as OutputStream: ByteBufOutputStream is also a DataOutput, and the DataOutput
        // overload of writeValue would make the call ambiguous.
        try (OutputStream stream = new ByteBufOutputStream(out)) {
            ProtocolJson.MAPPER.writeValue(stream, msg);
        }
        framing.end(out, start);
    }
}
