package dev.switchboard.core;

import dev.switchboard.protocol.Frame;
import dev.switchboard.protocol.Reply;
import dev.switchboard.core.session.Session;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** The replies to one dispatched request: all of them are kept, so a second one would show. */
final class Replies implements Consumer<Reply> {
    private final CompletableFuture<Reply> first = new CompletableFuture<>();
    private final AtomicInteger count = new AtomicInteger();

    static Replies dispatch(Dispatcher d, Session s, String op, Object... fieldsAndValues) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (int i = 0; i < fieldsAndValues.length; i += 2) {
            fields.put((String) fieldsAndValues[i], fieldsAndValues[i + 1]);
        }
        Replies r = new Replies();
        d.dispatch(s, new Frame(op, 1, fields), r);
        return r;
    }

    @Override
    public void accept(Reply reply) {
        count.incrementAndGet();
        first.complete(reply);
    }

    /** The first reply, waiting at most 5 s. */
    Reply get() {
        try {
            return first.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("no reply within 5 s", e);
        }
    }

    int count() {
        return count.get();
    }

    boolean answered() {
        return count.get() > 0;
    }
}
