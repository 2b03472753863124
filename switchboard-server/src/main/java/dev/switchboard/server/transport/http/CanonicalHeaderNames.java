package dev.switchboard.server.transport.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes response header names in their canonical form ({@code Content-Type}, {@code Allow}),
 * as dflockd's Go server sends them. Netty's name constants are lower case; a name given in
 * mixed case on purpose is left as it is.
 */
@ChannelHandler.Sharable
final class CanonicalHeaderNames extends ChannelOutboundHandlerAdapter {
    static final CanonicalHeaderNames INSTANCE = new CanonicalHeaderNames();

    private CanonicalHeaderNames() {
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response) canonicalize(response.headers());
        ctx.write(msg, promise);
    }

    static void canonicalize(HttpHeaders headers) {
        List<Map.Entry<String, String>> entries = new ArrayList<>(headers.entries());
        headers.clear();
        for (Map.Entry<String, String> e : entries) headers.add(canonical(e.getKey()), e.getValue());
    }

    /** {@code content-type} becomes {@code Content-Type}: a capital at the start and after each hyphen. */
    static String canonical(String name) {
        if (!name.equals(name.toLowerCase(java.util.Locale.ROOT))) return name;
        char[] c = name.toCharArray();
        boolean upper = true;
        for (int i = 0; i < c.length; i++) {
            if (upper && c[i] >= 'a' && c[i] <= 'z') c[i] = (char) (c[i] - 32);
            upper = c[i] == '-';
        }
        return new String(c);
    }
}
