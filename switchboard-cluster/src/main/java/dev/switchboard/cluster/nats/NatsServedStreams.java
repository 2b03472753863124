package dev.switchboard.cluster.nats;

import io.nats.client.Dispatcher;
import io.nats.client.Message;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The streaming calls from other nodes in flight here, by chunk subject, so that the caller's
 * node can end one when its caller goes ({@link NatsCallerStreams#cancel}: a message on
 * {@code <prefix>.rpcstop} naming the chunk subject, which every node reads and the serving one
 * acts on). One entry per call tracked here: bounded by {@code --rpc-max-in-flight}.
 */
final class NatsServedStreams {
    private final Map<String, Runnable> inFlight = new ConcurrentHashMap<>();

    NatsServedStreams(Dispatcher dispatcher, NatsSubjects subjects) {
        dispatcher.subscribe(subjects.prefix() + "." + NatsCallerStreams.STOP, this::stop);
    }

    /** A cancel holder for the call on {@code subject}, in flight until {@link #ended}. */
    Cancel started(String subject) {
        Cancel c = new Cancel();
        inFlight.put(subject, c);
        return c;
    }

    void ended(String subject) {
        inFlight.remove(subject);
    }

    /** Streaming calls from other nodes in flight here (for tests). */
    int now() {
        return inFlight.size();
    }

    private void stop(Message m) {
        if (m.getData() == null) return;
        Runnable c = inFlight.remove(new String(m.getData(), StandardCharsets.UTF_8));
        if (c != null) c.run();
    }

    /** Ends the call once it is known how ({@link #set}); a cancel before that is kept and run then. */
    static final class Cancel implements Runnable {
        private Runnable end;
        private boolean wanted;

        synchronized void set(Runnable end) {
            this.end = end;
            if (wanted && end != null) end.run();
        }

        @Override
        public synchronized void run() {
            wanted = true;
            if (end != null) end.run();
        }
    }
}
