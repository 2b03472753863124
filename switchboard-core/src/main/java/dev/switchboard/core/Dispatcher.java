package dev.switchboard.core;

import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Frame;
import dev.switchboard.protocol.ProtocolException;
import dev.switchboard.protocol.Reply;
import dev.switchboard.core.session.Session;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes a decoded request to the feature that owns its operation. Every wire protocol feeds the
 * same dispatcher, so a semantic lives once whatever the transport. Guarantees one reply per
 * request: a bad argument or a bug becomes an error reply.
 */
public final class Dispatcher {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    private final Map<String, OpHandler> handlers = new HashMap<>();

    public Dispatcher register(String op, OpHandler handler) {
        if (handlers.putIfAbsent(op, handler) != null) {
            throw new IllegalArgumentException("operation registered twice: " + op);
        }
        return this;
    }

    public Set<String> operations() {
        return Set.copyOf(handlers.keySet());
    }

    public void dispatch(Session session, Frame request, Consumer<Reply> reply) {
        OpHandler handler = handlers.get(request.op());
        if (handler == null) {
            reply.accept(Reply.error(ErrorCode.UNKNOWN_OP, "unknown operation: " + request.op()));
            return;
        }
        AtomicBoolean answered = new AtomicBoolean();
        Consumer<Reply> once = r -> {
            if (answered.compareAndSet(false, true)) {
                reply.accept(r);
            } else {
                log.error("second reply to {} dropped: {}", request.op(), r);
            }
        };
        try {
            handler.handle(session, request, once);
        } catch (ProtocolException e) {
            once.accept(Reply.error(e.code(), e.getMessage()));
        } catch (RuntimeException e) {
            log.error("operation {} failed", request.op(), e);
            once.accept(Reply.error(ErrorCode.INTERNAL, e.toString()));
        }
    }
}
