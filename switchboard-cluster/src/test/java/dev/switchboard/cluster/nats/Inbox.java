package dev.switchboard.cluster.nats;

import dev.switchboard.core.pubsub.Subscriber;
import dev.switchboard.protocol.Payload;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/** A subscriber of a test node: keeps what it is offered, in order, and may be held on its first message. */
final class Inbox implements Subscriber {
    final String name;
    final List<Payload> payloads = new CopyOnWriteArrayList<>();
    final List<String> received = new CopyOnWriteArrayList<>();
    /** When set, the first offer waits on it: a dispatcher thread held up, as by a slow machine. */
    volatile CountDownLatch holdFirst;

    Inbox(String name) {
        this.name = name;
    }

    @Override
    public boolean offer(String channel, Payload payload) {
        CountDownLatch hold = holdFirst;
        if (hold != null) {
            holdFirst = null;
            try {
                hold.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        payloads.add(payload);
        received.add(channel + " " + payload.utf8());
        return true;
    }

    @Override
    public void evictSlow() {
        throw new AssertionError(name + " was never full");
    }

    int count() {
        return received.size();
    }

    @Override
    public String toString() {
        return name;
    }
}
