package dev.switchboard.server.transport.dflockd;

import dev.switchboard.server.transport.ServerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.WriteTimeoutHandler;
import java.util.concurrent.TimeUnit;

/** The handlers of a dflockd line-protocol connection, installed after detection. */
public final class DflockdPipeline {
    private DflockdPipeline() {
    }

    public static void install(ChannelPipeline p, String after, ServerContext server) {
        long writeTimeoutMs = server.config().writeTimeout().toMillis();
        String last = after;
        if (writeTimeoutMs > 0) {
            p.addAfter(last, "write-timeout", new WriteTimeoutHandler(writeTimeoutMs, TimeUnit.MILLISECONDS));
            last = "write-timeout";
        }
        p.addAfter(last, "dflockd-decoder", new DflockdLineDecoder());
        p.addAfter("dflockd-decoder", "dflockd", new DflockdConnectionHandler(server));
    }
}
