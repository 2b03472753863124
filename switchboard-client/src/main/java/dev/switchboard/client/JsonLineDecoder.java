package dev.switchboard.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Parses each line (already split by a {@code LineBasedFrameDecoder}) into a JSON object. A line
 * that is not an object is dropped with a warning rather than killing the connection: one
 * unreadable server message should not fail every other request in flight.
 */
@ChannelHandler.Sharable
final class JsonLineDecoder extends MessageToMessageDecoder<ByteBuf> {
    private static final Logger log = LoggerFactory.getLogger(JsonLineDecoder.class);

    private final JsonMapper mapper;

    JsonLineDecoder(JsonMapper mapper) {
        super(ByteBuf.class);
        this.mapper = mapper;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf line, List<Object> out) {
        if (!line.isReadable()) {
            return;
        }
        try {
            JsonNode node = mapper.readTree(new ByteBufInputStream(line));
            if (node != null && node.isObject()) {
                out.add(node);
            } else {
                log.warn("ignoring a server message that is not a JSON object: {}", node);
            }
        } catch (JacksonException e) {
            log.warn("ignoring an unreadable server message: {}", e.getOriginalMessage());
        }
    }
}
