package dev.switchboard.client;

import io.netty.channel.socket.nio.NioSocketChannel;
import java.nio.channels.SocketChannel;

/** A NIO socket channel whose JDK socket {@link OutboundWriter} may write to from the caller's thread. */
final class DirectWriteSocketChannel extends NioSocketChannel {
    SocketChannel socket() {
        return javaChannel();
    }
}
