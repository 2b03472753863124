package dev.switchboard.server.transport.json;

import dev.switchboard.server.transport.JsonSupport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;

/**
 * Turns one framed message (a line or a length-prefixed frame) into a JSON object, or into a
 * {@link BadFrame} that the connection answers without ending. Empty frames are skipped.
 */
final class JsonFrameDecoder extends MessageToMessageDecoder<ByteBuf> {
    JsonFrameDecoder() {
        super(ByteBuf.class);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf msg, List<Object> out) {
        if (!msg.isReadable() || isBlank(msg)) {
            return;
        }
        try (ByteBufInputStream in = new ByteBufInputStream(msg)) {
            Object value = JsonSupport.MAPPER.readValue((java.io.InputStream) in, Object.class);
            if (value instanceof Map<?, ?> map) {
                out.add(map);
            } else {
                out.add(new BadFrame("a message must be a JSON object"));
            }
        } catch (JacksonException e) {
            out.add(new BadFrame("malformed JSON: " + e.getOriginalMessage()));
        } catch (java.io.IOException e) {
            out.add(new BadFrame("unreadable message: " + e.getMessage()));
        }
    }

    private static boolean isBlank(ByteBuf msg) {
        for (int i = msg.readerIndex(); i < msg.writerIndex(); i++) {
            byte b = msg.getByte(i);
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') return false;
        }
        return true;
    }
}
