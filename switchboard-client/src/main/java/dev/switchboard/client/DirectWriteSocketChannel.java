package dev.switchboard.client;

import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.nio.ByteBuffer;

/** A NIO socket channel whose JDK socket {@link OutboundWriter} may write to from the caller's thread. */
final class DirectWriteSocketChannel extends NioSocketChannel implements DirectWritable {
    @Override
    public int writeNow(ByteBuffer bytes) throws IOException {
        return javaChannel().write(bytes);
    }
}
