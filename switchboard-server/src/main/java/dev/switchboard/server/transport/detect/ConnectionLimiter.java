package dev.switchboard.server.transport.detect;

import dev.switchboard.server.limits.Limit;
import dev.switchboard.server.limits.Limits;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Caps connections, in total and per remote IP (0 = unlimited). A connection over a cap is
 * closed at once without a byte written, as dflockd does. Counts are taken atomically, so
 * concurrent accepts cannot overshoot.
 */
@ChannelHandler.Sharable
public final class ConnectionLimiter extends ChannelInboundHandlerAdapter {
    private static final AttributeKey<Boolean> COUNTED = AttributeKey.valueOf("switchboard.counted");

    private final int maxTotal;
    private final int maxPerIp;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perIp = new ConcurrentHashMap<>();
    private final Consumer<Limit> hits;

    /** {@code hits} hears of each connection refused, by the limit it hit. */
    public ConnectionLimiter(int maxTotal, int maxPerIp, Consumer<Limit> hits) {
        this.maxTotal = maxTotal;
        this.maxPerIp = maxPerIp;
        this.hits = hits;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (!admit(ctx)) {
            ctx.close();
            return;
        }
        ctx.channel().attr(COUNTED).set(Boolean.TRUE);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (ctx.channel().attr(COUNTED).getAndSet(null) != null) {
            total.decrementAndGet();
            InetAddress ip = ip(ctx);
            if (ip != null && maxPerIp > 0) {
                perIp.computeIfPresent(ip, (k, n) -> n.decrementAndGet() == 0 ? null : n);
            }
        }
        ctx.fireChannelInactive();
    }

    public int connections() {
        return total.get();
    }

    private boolean admit(ChannelHandlerContext ctx) {
        if (total.incrementAndGet() > maxTotal && maxTotal > 0) {
            total.decrementAndGet();
            hits.accept(Limits.MAX_CONNECTIONS);
            return false;
        }
        InetAddress ip = ip(ctx);
        if (maxPerIp > 0 && ip != null) {
            boolean[] ok = {true};
            perIp.compute(ip, (k, n) -> {
                AtomicInteger count = n == null ? new AtomicInteger() : n;
                if (count.get() >= maxPerIp) {
                    ok[0] = false;
                } else {
                    count.incrementAndGet();
                }
                return count.get() == 0 ? null : count;
            });
            if (!ok[0]) {
                total.decrementAndGet();
                hits.accept(Limits.MAX_CONNECTIONS_PER_IP);
                return false;
            }
        }
        return true;
    }

    private static InetAddress ip(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
    }
}
