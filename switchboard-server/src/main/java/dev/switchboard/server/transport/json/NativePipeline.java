package dev.switchboard.server.transport.json;

import dev.switchboard.protocol.json.Framing;
import dev.switchboard.protocol.json.JsonMessageDecoder;
import dev.switchboard.protocol.json.JsonLineDecoder;
import dev.switchboard.protocol.json.JsonMessageEncoder;
import dev.switchboard.server.transport.ServerContext;
import dev.switchboard.server.transport.handshake.HandshakeDeadline;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.timeout.WriteTimeoutHandler;
import java.util.concurrent.TimeUnit;

/**
 * The handlers of a native JSON connection, in lines or in length-prefixed frames: the protocol
 * module's codecs (the same the Java client uses) frame bytes into JSON objects and back, and the
 * connection handler does the rest.
 */
public final class NativePipeline {
    // A long read batch still flushes this often, so the first answers are not held back by the last.
    private static final int FLUSHES_PER_BATCH = 64;

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
        // Replies written while a read is being handled (pipelined requests answered at once) go
        // out in one flush when the read batch ends, not one write system call each; a reply
        // written at any other time (a grant after a wait) is flushed at once. On lines, the
        // reply to a lone request is flushed at once too (LoneRequestFlushes). Frames keep the
        // plain rule: acomm, which speaks them, acknowledges a call before it has finished
        // registering it, and its acknowledgement must not reach the caller before that.
        p.addAfter(last, "flush-consolidation", framing == Framing.LINES
                ? new LoneRequestFlushes(FLUSHES_PER_BATCH) : new FlushConsolidationHandler(FLUSHES_PER_BATCH, false));
        last = "flush-consolidation";
        int maxFrameBytes = server.config().maxFrameBytes();
        if (framing == Framing.LINES) {
            // Lines are cut and parsed in one handler (JsonLineDecoder), straight from bytes to
            // request frames: no map through the object mapper for a flat request.
            p.addAfter(last, "json-decoder", new JsonLineDecoder(maxFrameBytes, JsonMessageDecoder.toFrames()));
            p.addAfter("json-decoder", "json-encoder", new JsonMessageEncoder(framing));
            p.addAfter("json-encoder", "native", new NativeConnectionHandler(server, transport));
            return;
        }
        // Length-prefixed frames keep the framer apart: acomm's detector sits behind it, and frames
        // may also carry binary envelopes (a zero first byte).
        p.addAfter(last, "json-framer", framing.newFramer(maxFrameBytes));
        p.addAfter("json-framer", "json-encoder", new JsonMessageEncoder(framing));
        p.addAfter("json-encoder", "json-decoder", JsonMessageDecoder.toFramesWithEnvelopes());
        p.addAfter("json-decoder", "native", new NativeConnectionHandler(server, transport));
        // acomm speaks the same frames: its first message makes the connection an acomm one.
        p.addAfter("json-framer", dev.switchboard.server.transport.acomm.AcommDetector.NAME_IN_PIPELINE,
                new dev.switchboard.server.transport.acomm.AcommDetector(server));
    }
}
