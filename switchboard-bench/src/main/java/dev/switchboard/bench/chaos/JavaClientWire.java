package dev.switchboard.bench.chaos;

import dev.switchboard.client.ConnectionClosedException;
import dev.switchboard.client.ConnectionEvent;
import dev.switchboard.client.EnqueueResult;
import dev.switchboard.client.Grant;
import dev.switchboard.client.Resource;
import dev.switchboard.client.SwitchboardClient;
import dev.switchboard.client.SwitchboardException;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@link SwitchboardClient} through a {@link CutProxy}: a cut resets its connection, and the client
 * reconnects and resumes its session by itself; {@link #reconnect()} waits for it to say how that went.
 */
final class JavaClientWire extends CutWire {
    private final CutProxy proxy;
    private final SwitchboardClient client;
    /** Counts of the client's connection events, guarded by {@code this}: each drop is followed by a resume or a loss. */
    private long drops;
    private long resumes;
    private long losses;
    private long dropsAtCut;

    JavaClientWire(String host, int port, EventLoopGroup group, String name) throws IOException {
        proxy = new CutProxy(host, port, name);
        try {
            client = SwitchboardClient.builder()
                    .host("127.0.0.1")
                    .port(proxy.port())
                    .clientName("switchboard-bench chaos")
                    .eventLoopGroup(group)
                    .reconnectBackoff(Duration.ofMillis(5), Duration.ofMillis(100))
                    .onStateChange(this::onStateChange)
                    .connect();
        } catch (RuntimeException e) {
            proxy.close();
            throw new IOException("Java client could not connect: " + e, e);
        }
    }

    @Override
    public Transport transport() {
        return Transport.JAVA_CLIENT;
    }

    private static Resource resource(Target t) {
        return t.isSemaphore() ? Resource.semaphore(t.key(), t.limit()) : Resource.lock(t.key());
    }

    /** Runs a client call, turning a lost connection into an IOException and a server error into a {@link Refused}. */
    private static <T> T call(Supplier<T> op) throws IOException, Refused {
        try {
            return op.get();
        } catch (ConnectionClosedException e) {
            throw new IOException("connection lost: " + e.getMessage(), e);
        } catch (SwitchboardException e) {
            throw new Refused(e.code(), String.valueOf(e.getMessage()));
        }
    }

    private static Granted granted(Optional<Grant> g) {
        return g.map(x -> new Granted(x.token(), x.lease().toMillis())).orElse(null);
    }

    @Override
    public Granted acquire(Target t, long timeoutMs, long leaseMs) throws IOException, Refused {
        return call(() -> granted(client.acquire(resource(t), Duration.ofMillis(timeoutMs), Duration.ofMillis(leaseMs))));
    }

    @Override
    public Granted enqueue(Target t, long leaseMs) throws IOException, Refused {
        EnqueueResult r = call(() -> client.enqueue(resource(t), Duration.ofMillis(leaseMs)));
        return granted(r.grant());
    }

    @Override
    public Granted await(Target t, long timeoutMs) throws IOException, Refused {
        return call(() -> granted(client.awaitGrant(resource(t), Duration.ofMillis(timeoutMs))));
    }

    @Override
    public long renew(Target t, String token, long leaseMs) throws IOException, Refused {
        return call(() -> client.renew(resource(t), token, Duration.ofMillis(leaseMs))).toMillis();
    }

    @Override
    public void release(Target t, String token) throws IOException, Refused {
        call(() -> {
            client.release(resource(t), token);
            return null;
        });
    }

    @Override
    public void listen(String pattern) throws IOException, Refused {
        call(() -> {
            client.listen(pattern);
            return null;
        });
    }

    @Override
    public void unlisten(String pattern) throws IOException, Refused {
        call(() -> {
            client.unlisten(pattern);
            return null;
        });
    }

    @Override
    public int publish(String channel, String payload) throws IOException, Refused {
        return call(() -> client.publish(channel, payload));
    }

    private synchronized void onStateChange(ConnectionEvent e) {
        switch (e.type()) {
            case DISCONNECTED -> drops++;
            case RESUMED -> resumes++;
            case SESSION_LOST -> losses++;
            default -> {
                return;
            }
        }
        notifyAll();
    }

    @Override
    public void cut() {
        // Counted before the reset, so that the failure it causes is known as ours.
        synchronized (this) {
            cutCounter.cutting();
            dropsAtCut = drops;
        }
        resetConnection();
    }

    @Override
    void resetConnection() {
        proxy.cutAll();
    }

    /**
     * Waits for the client's own reconnect after the last cut: for the drop it caused (none within
     * a second means the cut found no live connection), then for every drop to have its outcome.
     * True when none of them lost the session.
     */
    @Override
    public synchronized boolean reconnect() throws IOException {
        long lossesBefore = losses;
        try {
            long dropBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (drops <= dropsAtCut && System.nanoTime() < dropBy) {
                wait(20);
            }
            long outcomeBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (resumes + losses < drops) {
                if (System.nanoTime() > outcomeBy) {
                    throw new IOException("the Java client did not reconnect within 10 s");
                }
                wait(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return losses == lossesBefore;
    }

    @Override
    public boolean sessionOutlivesConnection() {
        return true;
    }

    @Override
    public void close(boolean endSession) {
        if (!endSession) {
            proxy.close(); // no connection left for close() to send session.close on: the grace period ends it
        }
        client.close();
        proxy.close();
    }
}
