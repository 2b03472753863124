package dev.switchboard.server.transport.ws;

import dev.switchboard.server.transport.JsonSupport;
import dev.switchboard.protocol.json.JsonMessageDecoder;
import dev.switchboard.protocol.json.JsonMessageEncoder;
import dev.switchboard.protocol.json.JsonWritable;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.List;
import java.util.Map;

/**
 * The native protocol in WebSocket frames: each text (or binary) frame holds one JSON message.
 * The heartbeat uses WebSocket's own control frames, which browsers answer by themselves: the
 * server's {@code ping} goes out as a Ping frame and a Pong frame comes in as {@code pong}. An
 * error that ends the connection is followed by a Close frame whose code and reason name it.
 */
final class WsJsonCodec extends MessageToMessageCodec<WebSocketFrame, Object> {
    private static final JsonMessageDecoder PARSER = JsonMessageDecoder.toMaps();

    @Override
    protected void decode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) {
        if (frame instanceof PongWebSocketFrame) {
            out.add(Map.of("op", "pong"));
            return;
        }
        if (!(frame instanceof TextWebSocketFrame) && !(frame instanceof BinaryWebSocketFrame)) {
            return; // close and ping frames are handled before this codec
        }
        // A binary frame with a zero first byte is a binary envelope (its payload raw bytes).
        if (frame instanceof BinaryWebSocketFrame && dev.switchboard.protocol.binary.BinaryEnvelope.isEnvelope(frame.content())) {
            out.add(dev.switchboard.protocol.binary.BinaryEnvelope.decode(frame.content()));
            return;
        }
        // A binary frame with a first byte 01 is a compact relay frame.
        if (frame instanceof BinaryWebSocketFrame && dev.switchboard.protocol.binary.RelayFrame.isRelayFrame(frame.content())) {
            out.add(dev.switchboard.protocol.binary.RelayFrame.decode(frame.content()));
            return;
        }
        // The same parser as the other native transports: strict UTF-8, one JSON object, no repeated key.
        out.add(PARSER.parse(frame.content()));
    }

    @Override
    public boolean acceptOutboundMessage(Object msg) {
        return msg instanceof Map<?, ?> || msg instanceof JsonWritable;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Object message, List<Object> out) {
        if (message instanceof JsonWritable typed) {
            // A reply that writes itself (no map behind it): one pass into the frame's buffer.
            ByteBuf buf = ctx.alloc().buffer();
            JsonMessageEncoder.encode(typed, buf);
            out.add(new TextWebSocketFrame(buf));
            return;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> msg = (Map<String, Object>) message;
        if ("ping".equals(msg.get("op")) && !msg.containsKey("id")) {
            out.add(new PingWebSocketFrame());
            return;
        }
        out.add(new TextWebSocketFrame(Unpooled.wrappedBuffer(JsonSupport.write(msg))));
        WebSocketCloseStatus close = closeStatusFor(msg);
        if (close != null) out.add(new CloseWebSocketFrame(close));
    }

    /** The Close frame that follows an error ending the connection, or null. */
    static WebSocketCloseStatus closeStatusFor(Map<String, Object> msg) {
        if (!"error".equals(msg.get("op")) || !(msg.get("error") instanceof Map<?, ?> e)) return null;
        String code = String.valueOf(e.get("code"));
        return switch (code) {
            case "hello_required", "unsupported_version" -> new WebSocketCloseStatus(1002, code);
            case "unauthorized" -> new WebSocketCloseStatus(1008, code);
            // An oversized message ends the connection; an oversized direct message is refused
            // alone (an answer to a request, with its id, or to a relay frame, naming its "to").
            case "frame_too_large" -> msg.containsKey("id") || msg.containsKey("to") ? null : new WebSocketCloseStatus(1009, code);
            case "draining" -> new WebSocketCloseStatus(1001, code);
            case "heartbeat_timeout" -> new WebSocketCloseStatus(4000, code);
            case "handshake_timeout" -> new WebSocketCloseStatus(4004, code);
            // These end a connection as events (no id). As the answer to a request — a wait the
            // ending session cancels, an rpc.chunk its caller did not read in time — they close
            // nothing: the event that follows (token_expired, session_closed...) does, with its code.
            case "slow_consumer" -> msg.containsKey("id") ? null : new WebSocketCloseStatus(4001, code);
            case "session_closed" -> msg.containsKey("id") ? null : new WebSocketCloseStatus(4002, code);
            case "max_connections_per_session" -> new WebSocketCloseStatus(4003, code);
            case "token_expired" -> new WebSocketCloseStatus(4005, code);
            default -> null;
        };
    }
}
