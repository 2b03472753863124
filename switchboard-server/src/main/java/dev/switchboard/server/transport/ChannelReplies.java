package dev.switchboard.server.transport;

import io.netty.channel.Channel;
import io.netty.util.ReferenceCountUtil;

/**
 * Writes a request's reply to its connection, and undoes what the reply carries (a grant) when
 * the connection is gone or the write fails: the client never saw it, so nobody may hold it.
 */
public final class ChannelReplies {
    private ChannelReplies() {
    }

    public static void write(Channel channel, Object message, Runnable undo) {
        if (!channel.isActive()) {
            ReferenceCountUtil.release(message);
            undo.run();
            return;
        }
        channel.writeAndFlush(message).addListener(f -> {
            if (!f.isSuccess()) undo.run();
        });
    }
}
