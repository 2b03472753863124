package dev.switchboard.core.pubsub;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A real {@link Subscriber} that keeps what it is offered and can be made to refuse (full buffer). */
final class RecordingSubscriber implements Subscriber {
    final String name;
    final List<String> received = new CopyOnWriteArrayList<>();
    final AtomicInteger evictions = new AtomicInteger();
    volatile boolean full;

    RecordingSubscriber(String name) {
        this.name = name;
    }

    @Override
    public boolean offer(String channel, dev.switchboard.protocol.Payload payload) {
        if (full) return false;
        received.add(channel + " " + payload);
        return true;
    }

    @Override
    public void evictSlow() {
        evictions.incrementAndGet();
    }

    int count() {
        return received.size();
    }

    @Override
    public String toString() {
        return name;
    }
}
