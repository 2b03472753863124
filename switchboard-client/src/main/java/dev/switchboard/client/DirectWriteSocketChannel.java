package dev.switchboard.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;


/** A NIO socket channel whose JDK socket {@link OutboundWriter} may write to from the caller's thread. */
final class DirectWriteSocketChannel extends NioSocketChannel implements DirectWritable {
    @Override
    public int writeNow(ByteBuf bytes) throws IOException {
        int written = javaChannel().write(bytes.nioBuffer());
        bytes.skipBytes(written);
        return written;
    }
}
