package dev.switchboard.server.transport.json;

import dev.switchboard.server.transport.ServerContext;
import dev.switchboard.server.transport.handshake.HandshakeDeadline;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.timeout.WriteTimeoutHandler;
import java.util.concurrent.TimeUnit;

/** The handlers of a native JSON connection, in lines or in length-prefixed frames. */
public final class NativePipeline {
    private NativePipeline() {
    }

    public static void installLines(ChannelPipeline p, String after, ServerContext server) {
        int max = server.config().maxFrameBytes();
        install(p, after, server, new LineBasedFrameDecoder(max, true, true), false, "json");
    }

    public static void installFrames(ChannelPipeline p, String after, ServerContext server) {
        int max = server.config().maxFrameBytes();
        install(p, after, server, new LengthFieldBasedFrameDecoder(max + 4, 0, 4, 0, 4, true), true, "json-frames");
    }

    private static void install(ChannelPipeline p, String after, ServerContext server,
                                io.netty.channel.ChannelHandler framer, boolean lengthPrefixed, String transport) {
        HandshakeDeadline.install(p, after, server);
        String last = HandshakeDeadline.NAME_IN_PIPELINE;
        long writeTimeoutMs = server.config().writeTimeout().toMillis();
        if (writeTimeoutMs > 0) {
            p.addAfter(last, "write-timeout", new WriteTimeoutHandler(writeTimeoutMs, TimeUnit.MILLISECONDS));
            last = "write-timeout";
        }
        p.addAfter(last, "json-framer", framer);
        p.addAfter("json-framer", "json-encoder", new JsonFrameEncoder(lengthPrefixed));
        p.addAfter("json-encoder", "json-decoder", new JsonFrameDecoder());
        p.addAfter("json-decoder", "native", new NativeConnectionHandler(server, transport));
    }
}
