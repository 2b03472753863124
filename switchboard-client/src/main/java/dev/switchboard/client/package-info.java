/**
 * Java client for Switchboard's native JSON protocol (version 1).
 *
 * <p>{@link dev.switchboard.client.SwitchboardClient} is the connection and the low-level
 * operations ({@code acquire}, {@code tryAcquire}, {@code enqueue}, {@code awaitGrant},
 * {@code renew}, {@code release}) on a {@link dev.switchboard.client.Resource} (a lock or a
 * semaphore). {@link dev.switchboard.client.Lock} is the everyday helper: one slot, renewed in
 * the background, with a {@link dev.switchboard.client.LockLostListener}.
 *
 * <p>Outcomes versus errors: a wait that runs out is an outcome ({@link java.util.Optional#empty()}
 * or {@code false}); everything the server refuses is a
 * {@link dev.switchboard.client.SwitchboardException} subclass named after its error code; a
 * dropped connection fails every request in flight with
 * {@link dev.switchboard.client.ConnectionClosedException}.
 *
 * <p>The session outlives its connection: the client reconnects with backoff and resumes it,
 * replaying missed {@link dev.switchboard.client.Signal}s, and reports what happened as
 * {@link dev.switchboard.client.ConnectionEvent}s (see {@link dev.switchboard.client.SwitchboardClient}).
 */
package dev.switchboard.client;
