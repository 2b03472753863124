package dev.switchboard.server.transport.http;

import dev.switchboard.core.session.Request;
import dev.switchboard.core.session.RequestOrigin;
import dev.switchboard.protocol.Reply;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.util.function.Consumer;

/**
 * HTTP's side of the core's requests: each HTTP connection is the origin of the requests it
 * carries (one after another on a keep-alive connection), so that a client who goes away before
 * its answer cancels only its own waits, and a grant it never saw is given back.
 */
public final class HttpRequests {
    private static final AttributeKey<RequestOrigin> ORIGIN = AttributeKey.valueOf("switchboard.http-origin");

    private HttpRequests() {
    }

    /** The origin of the requests on {@code channel}; closed (cancelling what is pending) when the channel closes. */
    public static RequestOrigin origin(Channel channel) {
        RequestOrigin origin = channel.attr(ORIGIN).get();
        if (origin == null) {
            RequestOrigin created = new RequestOrigin();
            origin = channel.attr(ORIGIN).setIfAbsent(created);
            if (origin == null) {
                origin = created;
                channel.closeFuture().addListener(f -> created.close());
            }
        }
        return origin;
    }

    /** Answers the exchange with {@code answer}, or undoes the reply when the client has gone or the write fails. */
    public static Request.Replier replier(HttpExchange ex, Consumer<Reply> answer) {
        return (reply, undo) -> {
            if (!ex.channel().isActive()) {
                undo.run();
            } else {
                ex.undoIfUnwritten(undo);
                answer.accept(reply);
            }
        };
    }
}
