package dev.switchboard.server.transport.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.buffer.ByteBufAllocator;
import java.nio.file.Path;
import javax.net.ssl.SSLException;

/** Server TLS from PEM files (an X.509 chain and a PKCS#8 key), TLS 1.2 at least, as dflockd requires. */
public final class TlsContexts {
    private TlsContexts() {
    }

    /**
     * A handler for one connection. A peer that vanishes without answering close_notify would
     * otherwise hold a stop for Netty's default of three seconds per connection.
     */
    public static SslHandler handler(SslContext context, ByteBufAllocator alloc) {
        SslHandler handler = context.newHandler(alloc);
        handler.setCloseNotifyFlushTimeoutMillis(500);
        return handler;
    }

    public static SslContext server(Path certChain, Path privateKey) {
        try {
            return SslContextBuilder.forServer(certChain.toFile(), privateKey.toFile())
                    .protocols("TLSv1.3", "TLSv1.2")
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot load TLS certificate " + certChain + " and key " + privateKey
                    + ": " + e.getMessage(), e);
        }
    }
}
