package dev.switchboard.core.rpc;

import dev.switchboard.protocol.Subjects;
import java.util.ArrayList;
import java.util.List;

/**
 * The embedding program's handlers, by name pattern, in the order they were registered: the
 * first whose pattern matches a name handles it. Immutable; {@link #with} and
 * {@link #withSignal} return a copy with one more.
 */
public final class InProcessHandlers {
    public static final InProcessHandlers NONE = new InProcessHandlers(List.of(), List.of());

    /** A handler and the names it serves. */
    record Route<H>(String pattern, H handler) {
    }

    private final List<Route<RpcHandler>> requests;
    private final List<Route<SignalHandler>> signals;

    private InProcessHandlers(List<Route<RpcHandler>> requests, List<Route<SignalHandler>> signals) {
        this.requests = requests;
        this.signals = signals;
    }

    /** These handlers and {@code handler} for requests on names matching {@code pattern} ({@code *}/{@code >} allowed). */
    public InProcessHandlers with(String pattern, RpcHandler handler) {
        return new InProcessHandlers(plus(requests, route(pattern, handler)), signals);
    }

    /** These handlers and {@code handler} for notifies on names matching {@code pattern}. */
    public InProcessHandlers withSignal(String pattern, SignalHandler handler) {
        return new InProcessHandlers(requests, plus(signals, route(pattern, handler)));
    }

    public boolean isEmpty() {
        return requests.isEmpty() && signals.isEmpty();
    }

    /** The patterns of the request handlers, in registration order (a cluster serves them to other nodes). */
    public List<String> requestPatterns() {
        List<String> out = new ArrayList<>();
        for (Route<RpcHandler> r : requests) out.add(r.pattern());
        return List.copyOf(out);
    }

    /** The patterns of the notify handlers, in registration order. */
    public List<String> signalPatterns() {
        List<String> out = new ArrayList<>();
        for (Route<SignalHandler> r : signals) out.add(r.pattern());
        return List.copyOf(out);
    }

    RpcHandler requestHandler(String name) {
        return first(requests, name);
    }

    /** Every request handler whose pattern matches {@code name}, in registration order (request-many). */
    List<Route<RpcHandler>> requestHandlers(String name) {
        List<Route<RpcHandler>> out = new ArrayList<>();
        for (Route<RpcHandler> r : requests) {
            if (Subjects.matches(r.pattern(), name)) out.add(r);
        }
        return out;
    }

    SignalHandler signalHandler(String name) {
        return first(signals, name);
    }

    private static <H> H first(List<Route<H>> routes, String name) {
        for (Route<H> r : routes) {
            if (Subjects.matches(r.pattern(), name)) return r.handler();
        }
        return null;
    }

    private static <H> Route<H> route(String pattern, H handler) {
        String problem = pattern == null ? "must not be null" : Subjects.patternError(pattern);
        if (problem != null) throw new IllegalArgumentException("handler pattern " + problem);
        if (handler == null) throw new IllegalArgumentException("handler must not be null");
        return new Route<>(pattern, handler);
    }

    private static <H> List<Route<H>> plus(List<Route<H>> list, Route<H> more) {
        List<Route<H>> next = new ArrayList<>(list);
        next.add(more);
        return List.copyOf(next);
    }
}
