package dev.switchboard.protocol.json;

import dev.switchboard.protocol.Frame;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/**
 * Turns each decoded JSON object into a typed {@link Frame} — its {@code op}, its correlation
 * {@code id} (a string or an integer, echoed as sent) and its fields — or into a
 * {@link MalformedMessage} saying which of those is wrong. Below it sits the wire format's codec
 * ({@link JsonMessageDecoder}, or WebSocket's); above it, the connection handler sees frames only.
 */
@ChannelHandler.Sharable
public final class FrameDecoder extends MessageToMessageDecoder<Object> {
    public static final FrameDecoder INSTANCE = new FrameDecoder();

    private FrameDecoder() {
        super(Object.class);
    }

    @Override
    public boolean acceptInboundMessage(Object msg) {
        return msg instanceof Map<?, ?>;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, Object msg, List<Object> out) {
        @SuppressWarnings("unchecked")
        Map<String, Object> fields = (Map<String, Object>) msg;
        out.add(toFrame(fields));
    }

    /** The frame of a JSON object, or what is wrong with it. */
    public static Object toFrame(Map<String, Object> fields) {
        Object id = fields.get("id");
        if (id != null && !correlatable(id)) {
            return new MalformedMessage("id must be a string or an integer", MalformedMessage.Problem.BAD_ID, null);
        }
        if (!(fields.get("op") instanceof String op)) {
            return new MalformedMessage("op is required and must be a string", MalformedMessage.Problem.NO_OP, id);
        }
        return new Frame(op, id, fields);
    }

    /** Strings and integers are echoed as sent; anything else cannot serve as a correlation id. */
    private static boolean correlatable(Object id) {
        return id instanceof String || id instanceof Integer || id instanceof Long || id instanceof BigInteger;
    }
}
