package dev.switchboard.bench.chaos;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Counts per {@link Op} and per transport, shared by every actor, and the first unexpected errors. */
final class OpCounts {
    private static final int KEPT_ERRORS = 20;
    private final Map<Op, LongAdder> byOp = new EnumMap<>(Op.class);
    private final Map<Transport, LongAdder> requestsByTransport = new EnumMap<>(Transport.class);
    private final List<String> errors = Collections.synchronizedList(new ArrayList<>());

    OpCounts() {
        for (Op op : Op.values()) {
            byOp.put(op, new LongAdder());
        }
        for (Transport t : Transport.values()) {
            requestsByTransport.put(t, new LongAdder());
        }
    }

    void count(Transport transport, Op op) {
        byOp.get(op).increment();
        if (op.isRequest()) {
            requestsByTransport.get(transport).increment();
        }
    }

    void unexpected(Transport transport, String what) {
        count(transport, Op.UNEXPECTED);
        synchronized (errors) {
            if (errors.size() < KEPT_ERRORS) {
                errors.add(transport + ": " + what);
            }
        }
    }

    long get(Op op) {
        return byOp.get(op).sum();
    }

    long requests(Transport transport) {
        return requestsByTransport.get(transport).sum();
    }

    long totalRequests() {
        return byOp.entrySet().stream().filter(e -> e.getKey().isRequest()).mapToLong(e -> e.getValue().sum()).sum();
    }

    List<String> firstErrors() {
        synchronized (errors) {
            return List.copyOf(errors);
        }
    }
}
