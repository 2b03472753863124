package dev.switchboard.server.transport.acomm;

import dev.switchboard.core.rpc.RpcCall;
import dev.switchboard.core.rpc.RpcTarget;
import dev.switchboard.core.rpc.RpcTracker;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.PayloadFields;
import dev.switchboard.protocol.Reply;
import dev.switchboard.protocol.Subjects;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Backends written for acomm, as a request/reply target ({@code --acomm-backend PATTERN=unix:///path}):
 * a call whose name matches goes to that socket as an acomm Request, with the call's rid as its
 * {@code id} and the node's own Unix socket as its {@code responsehook}; the backend's Response,
 * sent there, gives the call its outcome ({@link #respond}). Only rids sent to an acomm backend
 * are answered this way; anything else is refused, so a Response cannot answer a native call.
 */
final class AcommBackends implements RpcTarget {
    /** The application error code of an acomm backend's {@code error} string. */
    static final String ERROR_CODE = "acomm";

    private final Acomm.Settings settings;
    private final AcommSender sender;
    private final RpcTracker tracker;
    /** Calls sent to an acomm backend, by rid; ended ones are swept when the map reaches the node's call bound. */
    private final Map<String, RpcCall> waiting = new ConcurrentHashMap<>();
    private volatile int sweepAt = MIN_SWEEP;
    private static final int MIN_SWEEP = 1024;
    private final LongAdder matched = new LongAdder();
    private final LongAdder unmatched = new LongAdder();

    AcommBackends(Acomm.Settings settings, AcommSender sender, RpcTracker tracker) {
        this.settings = settings;
        this.sender = sender;
        this.tracker = tracker;
    }

    /** The socket serving {@code name}, or null: the first pattern that matches, in the order given. */
    private String socketFor(String name) {
        for (Map.Entry<String, String> e : settings.backends().entrySet()) {
            if (Subjects.matches(e.getKey(), name)) return e.getValue();
        }
        return null;
    }

    @Override
    public boolean call(RpcCall call) {
        String socket = socketFor(call.name());
        if (socket == null) return false;
        if (waiting.size() >= sweepAt) {
            // Calls that ended without a Response (their deadline, the drain) leave here now; the
            // next sweep waits until the map has doubled, so sweeping stays cheap per call.
            waiting.values().removeIf(RpcCall::isDone);
            sweepAt = Math.max(MIN_SWEEP, 2 * waiting.size());
        }
        waiting.put(call.rid(), call);
        byte[] request = AcommWire.request(call.rid(), call.name(), AcommWire.json(call.payload()), settings.ownSocket());
        sender.exchange(socket, request, settings.hookTimeout()).whenComplete((ackError, failure) -> {
            String why = failure != null ? Acomm.rootMessage(failure)
                    : ackError.isEmpty() ? null : "the acomm backend at unix://" + socket + " refused the request: " + ackError;
            if (why != null && waiting.remove(call.rid(), call)) {
                tracker.complete(call, Reply.error(ErrorCode.NO_RESPONDERS, why));
            }
        });
        return true;
    }

    /** acomm has no fire-and-forget message: a notify is not sent to acomm backends. */
    @Override
    public boolean notify(RpcCall notice) {
        return false;
    }

    /**
     * An acomm Response to the call whose rid is {@code id}: its outcome ({@code error} non-empty
     * is the application error {@code acomm}, else {@code result} is the payload). False when no
     * call sent to an acomm backend waits for that id.
     */
    boolean respond(Object id, Map<String, Object> response) {
        RpcCall call = id instanceof String rid ? waiting.remove(rid) : null;
        if (call == null || call.isDone()) {
            unmatched.increment();
            return false;
        }
        Object error = response.get("error");
        Reply outcome;
        if (error != null && !(error instanceof String s && s.isEmpty())) {
            outcome = Reply.applicationError(ERROR_CODE, String.valueOf(error), null);
        } else {
            Map<String, Object> result = new LinkedHashMap<>();
            PayloadFields.put(result, PayloadFields.fromValue(response.get("result")));
            outcome = Reply.ok(result);
        }
        boolean took = tracker.complete(call, outcome);
        (took ? matched : unmatched).increment();
        return took;
    }

    long responses(boolean wasMatched) {
        return (wasMatched ? matched : unmatched).sum();
    }
}
