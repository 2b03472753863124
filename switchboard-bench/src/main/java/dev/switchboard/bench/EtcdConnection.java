package dev.switchboard.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The cluster baseline: etcd's own lock API (the v3 Lock service, through jetcd's Lock client)
 * driven directly, with one lease per connection kept alive for the connection's life, as an
 * etcd "session" does. Each connection is its own jetcd client (its own gRPC channel), so that a
 * worker owns its connection here as it does against Switchboard. An acquire is etcd's Lock RPC
 * (a key under the lease, then a wait for the keys created before it to go); a release is its
 * Unlock RPC (the key deleted): each is at least one Raft commit.
 */
final class EtcdConnection implements BenchConnection {
    private final Client client;
    private final long leaseId;
    private final CloseableClient keepAlive;
    private final long callTimeoutMs;
    private final AtomicBoolean closed = new AtomicBoolean();

    EtcdConnection(ServerAddress server, long leaseSeconds, Duration connectTimeout, long callTimeoutMs) throws IOException {
        this.callTimeoutMs = callTimeoutMs;
        client = Client.builder().endpoints("http://" + server).connectTimeout(connectTimeout).build();
        try {
            // jetcd retries an unreachable endpoint on its own: the connect timeout bounds the first call too.
            leaseId = await(client.getLeaseClient().grant(leaseSeconds), connectTimeout.toMillis(), "lease grant").getID();
            keepAlive = client.getLeaseClient().keepAlive(leaseId, new StreamObserver<LeaseKeepAliveResponse>() {
                @Override
                public void onNext(LeaseKeepAliveResponse value) {
                    // renewed: nothing to do
                }

                @Override
                public void onError(Throwable t) {
                    // the next acquire or release fails with etcd's own error, which the bench counts
                }

                @Override
                public void onCompleted() {
                    // the stream ends when the connection closes
                }
            });
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** Returns the lock's key (etcd's ownership token), or null when it was not granted within the timeout. */
    @Override
    public String acquire(String key, long timeoutSeconds, long leaseSeconds) throws IOException {
        CompletableFuture<io.etcd.jetcd.lock.LockResponse> lock = client.getLockClient().lock(bytes(key), leaseId);
        try {
            return lock.get(timeoutSeconds, TimeUnit.SECONDS).getKey().toString(StandardCharsets.UTF_8);
        } catch (TimeoutException e) {
            lock.cancel(true);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IOException("etcd lock " + key + ": " + e.getCause(), e.getCause());
        }
    }

    @Override
    public void release(String key, String token) throws IOException {
        await(client.getLockClient().unlock(bytes(token)), callTimeoutMs, "unlock " + key);
    }

    private static <T> T await(CompletableFuture<T> call, long timeoutMs, String what) throws IOException {
        try {
            return call.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IOException("etcd " + what + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            call.cancel(true);
            throw new IOException("etcd " + what + ": no answer within " + timeoutMs + " ms", e);
        }
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        // Revoking the lease frees anything still held at once (a worker stopped mid-cycle).
        try {
            keepAlive.close();
            client.getLeaseClient().revoke(leaseId).get(2, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // etcd drops the lease at its TTL anyway
        } finally {
            client.close();
        }
    }
}
