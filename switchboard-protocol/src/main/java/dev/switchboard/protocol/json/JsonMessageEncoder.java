package dev.switchboard.protocol.json;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import java.io.OutputStream;
import java.util.Map;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.databind.JsonNode;

/**
 * Writes a message (a {@link JsonWritable}, a {@code Map} or a {@link JsonNode}) as compact JSON
 * in the given {@link Framing}. Other outbound messages (bytes already encoded) pass through
 * untouched.
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
        return isEncodable(msg);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Object msg, ByteBuf out) {
        encode(msg, framing, out);
    }

    /** True for the messages {@link #encode(Object, Framing, ByteBuf)} can write. */
    public static boolean isEncodable(Object msg) {
        return msg instanceof JsonWritable || msg instanceof Map<?, ?> || msg instanceof JsonNode;
    }

    /**
     * Appends {@code msg} to {@code out}, framed: one pass of the streaming generator over the
     * buffer, whatever the message's form. Used by this encoder and by whoever encodes a message
     * before handing it to a channel (the Java client encodes on the caller's thread).
     */
    public static void encode(Object msg, Framing framing, ByteBuf out) {
        int start = out.writerIndex();
        framing.begin(out);
        encode(msg, out);
        framing.end(out, start);
    }

    /** Appends {@code msg} to {@code out} unframed (a WebSocket frame delimits it). */
    public static void encode(Object msg, ByteBuf out) {
        if (msg instanceof JsonWritable w) {
            CompactJson compact = new CompactJson();
            if (w.writeCompact(compact)) {
                compact.writeTo(out);
                return;
            }
        }
        // Typed as OutputStream: ByteBufOutputStream is also a DataOutput, and the DataOutput
        // overload would make the call ambiguous.
        try (OutputStream stream = new ByteBufOutputStream(out);
             JsonGenerator g = msg instanceof JsonWritable w && w.plainValuesOnly()
                     ? ProtocolJson.MAPPER.tokenStreamFactory().createGenerator(ObjectWriteContext.empty(), stream)
                     : ProtocolJson.MAPPER.createGenerator(stream)) {
            if (msg instanceof JsonWritable w) {
                w.writeJson(g);
            } else {
                g.writePOJO(msg);
            }
        } catch (java.io.IOException e) {
            // ByteBufOutputStream does not throw on write, and its close() does nothing.
            throw new java.io.UncheckedIOException(e);
        }
    }
}
