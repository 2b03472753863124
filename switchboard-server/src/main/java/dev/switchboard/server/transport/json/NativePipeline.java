package dev.switchboard.server.transport.json;

import dev.switchboard.protocol.json.FrameDecoder;
import dev.switchboard.protocol.json.Framing;
import dev.switchboard.protocol.json.JsonMessageDecoder;
import dev.switchboard.protocol.json.JsonMessageEncoder;
import dev.switchboard.server.transport.ServerContext;
import dev.switchboard.server.transport.handshake.HandshakeDeadline;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.WriteTimeoutHandler;
import java.util.concurrent.TimeUnit;

/**
 * The handlers of a native JSON connection, in lines or in length-prefixed frames: the protocol
 * module's codecs (the same the Java client uses) frame bytes into JSON objects and back, and the
 * connection handler does the rest.
 */
public final class NativePipeline {
    private NativePipeline() {
    }

    public static void installLines(ChannelPipeline p, String after, ServerContext server) {
        install(p, after, server, Framing.LINES, "json");
    }

    public static void installFrames(ChannelPipeline p, String after, ServerContext server) {
        install(p, after, server, Framing.LENGTH_PREFIXED, "json-frames");
    }

    private static void install(ChannelPipeline p, String after, ServerContext server, Framing framing, String transport) {
        HandshakeDeadline.install(p, after, server);
        String last = HandshakeDeadline.NAME_IN_PIPELINE;
        long writeTimeoutMs = server.config().writeTimeout().toMillis();
        if (writeTimeoutMs > 0) {
            p.addAfter(last, "write-timeout", new WriteTimeoutHandler(writeTimeoutMs, TimeUnit.MILLISECONDS));
            last = "write-timeout";
        }
        p.addAfter(last, "json-framer", framing.newFramer(server.config().maxFrameBytes()));
        p.addAfter("json-framer", "json-encoder", new JsonMessageEncoder(framing));
        p.addAfter("json-encoder", "json-decoder", JsonMessageDecoder.toMaps());
        p.addAfter("json-decoder", "json-frames", FrameDecoder.INSTANCE);
        p.addAfter("json-frames", "native", new NativeConnectionHandler(server, transport));
    }
}
