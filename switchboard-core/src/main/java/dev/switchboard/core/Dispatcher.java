package dev.switchboard.core;

import dev.switchboard.core.session.Request;
import dev.switchboard.core.session.RequestOrigin;
import dev.switchboard.core.session.Session;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Frame;
import dev.switchboard.protocol.ProtocolException;
import dev.switchboard.protocol.Reply;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes a request to the feature that owns its operation. Every wire protocol feeds the same
 * dispatcher, so a semantic lives once whatever the transport. A bad argument or a bug becomes an
 * error reply; the request itself guarantees that only one reply is delivered.
 */
public final class Dispatcher {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    private final Map<String, OpHandler> handlers = new HashMap<>();
    private final OperationCounts counts;

    /** A dispatcher whose operations are not counted (tests, embedded uses). */
    public Dispatcher() {
        this(new OperationCounts());
    }

    /** @param counts where each dispatched operation is counted, by its session's transport */
    public Dispatcher(OperationCounts counts) {
        this.counts = counts;
    }

    public Dispatcher register(String op, OpHandler handler) {
        if (handlers.putIfAbsent(op, handler) != null) {
            throw new IllegalArgumentException("operation registered twice: " + op);
        }
        return this;
    }

    public Set<String> operations() {
        return Set.copyOf(handlers.keySet());
    }

    public void dispatch(Request request) {
        String op = request.frame().op();
        counts.count(request.session() == null ? null : request.session().transport());
        OpHandler handler = handlers.get(op);
        if (handler == null) {
            request.reply(Reply.error(ErrorCode.UNKNOWN_OP, "unknown operation: " + op));
            return;
        }
        try {
            handler.handle(request);
        } catch (ProtocolException e) {
            request.reply(Reply.error(e.code(), e.getMessage()));
        } catch (RuntimeException e) {
            log.error("operation {} failed", op, e);
            request.reply(Reply.error(ErrorCode.INTERNAL, "the operation failed on the server"));
        }
    }

    /** Dispatches a request that no connection can lose (internal callers, tests). */
    public void dispatch(Session session, Frame frame, Consumer<Reply> reply) {
        dispatch(new Request(session, frame, RequestOrigin.DETACHED, (r, undo) -> reply.accept(r)));
    }
}
