package dev.switchboard.server.transport.relay;

import dev.switchboard.protocol.relay.RelayTransport;
import dev.switchboard.server.transport.ServerContext;
import dev.switchboard.server.transport.ws.WebSocketUpgrade;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Routes a WebSocket upgrade on {@value RelayService#PATH} to the relay protocol: the HTTP
 * pipeline is ready for the native WebSocket path, so this swaps its upgrade handlers for the
 * relay's (frames of at most the protocol's 8,820 bytes) before the request reaches them. Only
 * installed when the relay is on; without it, {@code /relay} is an unknown path (404).
 */
public final class RelayRoute extends ChannelInboundHandlerAdapter {
    private final ServerContext server;
    private final RelayService relay;

    private RelayRoute(ServerContext server, RelayService relay) {
        this.server = server;
        this.relay = relay;
    }

    /** Adds the route before the native upgrade handlers, when the node serves the relay. */
    public static void install(ChannelPipeline p, ServerContext server) {
        RelayService relay = server.relay();
        if (relay != null && p.get("ws-pause") != null) p.addBefore("ws-pause", "relay-route", new RelayRoute(server, relay));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpRequest req && new QueryStringDecoder(req.uri()).path().equals(RelayService.PATH)
                && req.headers().containsValue(HttpHeaderNames.UPGRADE, "websocket", true)) {
            ChannelPipeline p = ctx.pipeline();
            dropNativeUpgrade(p);
            WebSocketUpgrade.install(p, "http-front", RelayService.PATH, RelayTransport.MAX_BYTES, (pipeline, listener) -> {
                Runnable tooLarge = () -> relay.stats().closed("frame_too_large");
                pipeline.addAfter(listener, "relay-reassembly", WebSocketUpgrade.reassembly(RelayTransport.MAX_BYTES, tooLarge));
                pipeline.addAfter("relay-reassembly", "relay", new RelayConnectionHandler(server, relay));
            }, () -> relay.stats().closed("frame_too_large"));
            p.remove(this);
        }
        ctx.fireChannelRead(msg);
    }

    /** The native path's upgrade handlers, and what its protocol handler added (one handshake handler per pipeline). */
    private static void dropNativeUpgrade(ChannelPipeline p) {
        List<String> names = new ArrayList<>(List.of("ws-pause", "ws-protocol", "ws-upgraded"));
        for (Map.Entry<String, ChannelHandler> e : p) {
            String type = e.getValue().getClass().getName();
            if (type.endsWith(".WebSocketServerProtocolHandshakeHandler") || type.endsWith(".Utf8FrameValidator")) names.add(e.getKey());
        }
        for (String name : names) {
            if (p.get(name) != null) p.remove(name);
        }
    }
}
