package dev.switchboard.client;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/** Routes each server message: answers to {@link Connection}, heartbeats back to the server. */
final class ClientHandler extends SimpleChannelInboundHandler<JsonNode> {
    private static final Logger log = LoggerFactory.getLogger(ClientHandler.class);

    private final Connection connection;

    ClientHandler(Connection connection) {
        super(JsonNode.class);
        this.connection = connection;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, JsonNode msg) {
        JsonNode op = msg.get("op");
        String name = op != null && op.isString() ? op.stringValue() : "";
        JsonNode id = msg.get("id");
        switch (name) {
            case "reply" -> connection.onAnswer(id, msg.path("result"));
            case "welcome", "pong" -> connection.onAnswer(id, msg);
            case "error" -> {
                JsonNode err = msg.path("error");
                String code = text(err.get("code"), "unknown");
                String message = text(err.get("message"), "");
                connection.onError(id, ErrorCodes.toException(code, message));
            }
            case "ping" -> {
                // A server ping has no id and wants a pong with no id; the server closes a
                // connection that stays silent for three heartbeat intervals.
                if (id == null) {
                    connection.send(connection.newMessage("pong"));
                }
            }
            default -> {
                if (id == null && msg.isObject()) {
                    // An event (signal, or a kind this client does not know yet: the client
                    // ignores those but still counts their seq as processed).
                    connection.onEvent(msg);
                } else {
                    log.debug("ignoring server message with op '{}'", name);
                }
            }
        }
    }

    private static String text(JsonNode node, String fallback) {
        return node != null && node.isString() ? node.stringValue() : fallback;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent idle && idle.state() == IdleState.READER_IDLE) {
            connection.onHeartbeatTimeout();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        connection.onInactive();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A frame over the inbound cap or an I/O error: the stream cannot be trusted any more.
        log.warn("closing the connection to {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
