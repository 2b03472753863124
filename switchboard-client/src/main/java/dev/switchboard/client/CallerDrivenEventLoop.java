package dev.switchboard.client;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelPromise;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoRegistration;
import io.netty.util.concurrent.AbstractScheduledEventExecutor;
import io.netty.util.concurrent.DefaultPromise;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.Promise;
import io.netty.util.internal.PlatformDependent;
import io.netty.util.internal.ThreadExecutorMap;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;

/**
 * The event loop of a client that owns one: its I/O, tasks and timers run on whichever thread needs
 * them, one thread at a time (the <em>driver</em>).
 *
 * <p>Why: with a fixed I/O thread, every answer to a blocking call costs two thread wake-ups — the
 * I/O thread wakes to read it, then wakes the caller — where a blocking socket costs one. Here a
 * caller blocked on an answer ({@link #runUntilDone}) takes the driver's role and reads the
 * connection itself, so the answer wakes only the thread that waits for it (leader/follower).
 *
 * <p>A background thread, the <em>keeper</em>, drives whenever no caller does, so that events,
 * heartbeats, timers and answers to async calls are still read when nobody waits:
 * <ul>
 *   <li>it takes the role once it has been free for a grace period (1 ms, doubling up to 16 ms
 *       while callers keep taking it back), so that a caller sending its next request at once
 *       keeps it without a hand-off — events that arrive in such a gap wait at most that long;</li>
 *   <li>it takes it at once when a task is queued from another thread, when an async request is
 *       sent while nobody drives, or when a caller leaves with async answers still due
 *       ({@link #answersAwaited});</li>
 *   <li>it gives it back after its current pass when a caller starts to wait, so that caller's
 *       next call finds the role free.</li>
 * </ul>
 *
 * <p>Invariants: only the driver runs the handler, tasks and timers ({@link #inEventLoop(Thread)}
 * is "this thread is the driver"), so channel code sees one thread at a time, as on any event
 * loop; the role changes hands through an atomic reference, which orders one driver's writes
 * before the next one's reads. A queued task never waits for a grace period: whoever queues it
 * wakes the driver or, when there is none, the keeper; a driver that leaves re-checks the queue.
 * A driving caller's answer completed on another thread wakes it too: it does not wait in the
 * selector for the next byte or timer (while its handler polls, {@link AnswerSpin}, the wake-up
 * is not signalled: the caller sees the answer when the poll ends, within its budget).
 */
final class CallerDrivenEventLoop extends AbstractScheduledEventExecutor implements IoEventLoop {
    static final long FIRST_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(Long.getLong("sb.grace", 1));
    static final long LONGEST_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(Long.getLong("sb.maxgrace", 16));
    /** The longest the keeper blocks in the selector with no timer due: it re-checks its state then. */
    private static final long LONGEST_SELECT_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int STARTED = 0;
    private static final int SHUTTING_DOWN = 1;
    private static final int TERMINATED = 2;

    private final IoHandler handler;
    private final Queue<Runnable> tasks = PlatformDependent.newMpscQueue();
    private final AtomicReference<Thread> driver = new AtomicReference<>();
    /** Callers parked until the role is free or their answer has come. */
    private final Queue<Thread> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger state = new AtomicInteger(STARTED);
    private final Promise<Void> termination = new DefaultPromise<>(GlobalEventExecutor.INSTANCE);
    private final Thread keeper;
    private final KeeperContext keeperContext = new KeeperContext();
    private final CallerContext callerContext = new CallerContext();
    /** A caller waits while the keeper drives: the keeper hands the role over after its pass. */
    private volatile boolean callerWaiting;
    /** Something needs reading now (an async request went out, a task was queued): the keeper takes over at once. */
    private volatile boolean readerNeeded = true;
    private volatile long releasedAt = System.nanoTime();
    /** True while answers are due that no blocked caller will read (async requests in flight). */
    private volatile BooleanSupplier answersAwaited = () -> false;
    /**
     * Runs when a driving caller's future completes: completed by another thread (a stream's final
     * payload is handed over on the callback executor, a close fails every request), it wakes the
     * driver from the selector, which nothing else would (it may be blocked until its deadline).
     */
    private final BiConsumer<Object, Throwable> wakeDriver = this::wakeDriver;
    private boolean initialized; // driver only

    CallerDrivenEventLoop(IoHandlerFactory factory, String threadName) {
        this.handler = factory.newHandler(this);
        this.keeper = new DefaultThreadFactory(threadName, true).newThread(this::keep);
        keeper.start();
    }

    /** Tells the loop how to learn whether answers are due that only a reader it starts would read. */
    void answersAwaited(BooleanSupplier awaited) {
        this.answersAwaited = Objects.requireNonNull(awaited);
    }

    /**
     * An answer is now due that no caller will wait for here (an async request was sent from this
     * thread): unless someone drives, the keeper takes the role at once rather than after its grace.
     */
    void readerNeeded() {
        if (driver.get() == null && !inEventLoop()) {
            readerNeeded = true;
            LockSupport.unpark(keeper);
        }
    }

    /**
     * Runs the loop on the calling thread — or, while another thread runs it, waits — until
     * {@code future} is done or {@code deadlineNanos} ({@link System#nanoTime()}) has passed.
     *
     * @return whether the future is done
     */
    boolean runUntilDone(CompletableFuture<?> future, long deadlineNanos) throws InterruptedException {
        Thread me = Thread.currentThread();
        boolean wakeOnAnswer = false;
        boolean wakeDriverOnAnswer = false;
        while (!future.isDone()) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            if (tryDrive()) {
                if (!wakeDriverOnAnswer) {
                    future.whenComplete(wakeDriver);
                    wakeDriverOnAnswer = true;
                }
                try {
                    driveUntil(future, deadlineNanos);
                } finally {
                    release();
                }
                continue;
            }
            // Someone else drives, or nobody will again: the answer's completion wakes this thread.
            if (!wakeOnAnswer) {
                future.whenComplete((r, e) -> LockSupport.unpark(me));
                wakeOnAnswer = true;
            }
            if (state.get() == TERMINATED) {
                LockSupport.parkNanos(this, left); // whatever completes the future (the close) does so on its own
                continue;
            }
            // Wait for the answer the driver reads for us, or for the role.
            callerWaiting = true;
            waiting.add(me);
            try {
                // Re-checked after joining the queue: a driver that leaves after this unparks us.
                if (driver.get() != null && !future.isDone()) {
                    LockSupport.parkNanos(this, left);
                }
            } finally {
                waiting.remove(me);
            }
            if (future.isDone()) {
                passOnIfFree(); // we may have been woken to drive: the next waiter takes our turn
            }
        }
        return true;
    }

    private void wakeDriver(Object answer, Throwable failure) {
        if (!inEventLoop() && driver.get() != null) {
            handler.wakeup();
        }
    }

    /** The role is free and a caller still waits: wake it, so it can read its own answer. */
    private void passOnIfFree() {
        Thread next;
        if (driver.get() == null && (next = waiting.peek()) != null) {
            LockSupport.unpark(next);
        }
    }

    private boolean tryDrive() {
        return state.get() != TERMINATED && driver.compareAndSet(null, Thread.currentThread());
    }

    /** Gives the role up, and passes it on to whoever must have it now. */
    private void release() {
        releasedAt = System.nanoTime();
        driver.set(null);
        Thread next = waiting.peek();
        if (next != null) {
            LockSupport.unpark(next);
        } else if (!tasks.isEmpty() || state.get() != STARTED || answersAwaited.getAsBoolean()) {
            readerNeeded = true;
            LockSupport.unpark(keeper);
        }
    }

    private void driveUntil(CompletableFuture<?> future, long deadlineNanos) {
        EventExecutor previous = ThreadExecutorMap.setCurrentExecutor(this);
        try {
            initializeOnce();
            callerContext.future = future;
            callerContext.deadlineNanos = deadlineNanos;
            while (!future.isDone() && state.get() == STARTED && System.nanoTime() - deadlineNanos < 0
                    && !Thread.currentThread().isInterrupted()) {
                handler.run(callerContext);
                runTasks();
            }
        } finally {
            callerContext.future = null;
            ThreadExecutorMap.setCurrentExecutor(previous);
        }
    }

    private void initializeOnce() {
        if (!initialized) {
            initialized = true;
            handler.initialize();
        }
    }

    private void runTasks() {
        fetchFromScheduledTaskQueue(tasks); // timers that are due join the queue
        Runnable task;
        while ((task = tasks.poll()) != null) {
            safeExecute(task);
        }
    }

    // ------------------------------------------------------------------------------ the keeper

    private void keep() {
        long grace = FIRST_GRACE_NANOS;
        while (state.get() != TERMINATED) {
            if (driver.get() == null && mayTakeOver(grace) && tryDrive()) {
                grace = FIRST_GRACE_NANOS;
                readerNeeded = false;
                if (driveAsKeeper()) {
                    return; // terminated
                }
                release();
                continue;
            }
            long idle = System.nanoTime() - releasedAt;
            if (driver.get() == null && idle < grace) {
                LockSupport.parkNanos(this, grace - idle);
            } else {
                // A caller has the role (or took it back within the grace): look again later, less often.
                LockSupport.parkNanos(this, grace);
                grace = Math.min(grace * 2, LONGEST_GRACE_NANOS);
            }
        }
    }

    private boolean mayTakeOver(long grace) {
        return readerNeeded || !tasks.isEmpty() || state.get() != STARTED || System.nanoTime() - releasedAt >= grace;
    }

    /** Drives until a caller waits (false) or the loop has terminated (true). */
    private boolean driveAsKeeper() {
        EventExecutor previous = ThreadExecutorMap.setCurrentExecutor(this);
        try {
            initializeOnce();
            for (;;) {
                if (state.get() != STARTED) {
                    shutDownNow();
                    return true;
                }
                handler.run(keeperContext);
                runTasks();
                if (callerWaiting) {
                    callerWaiting = false;
                    return false;
                }
            }
        } catch (Throwable t) {
            // A handler or task error must not leave the loop without a driver for good.
            org.slf4j.LoggerFactory.getLogger(CallerDrivenEventLoop.class).warn("client event loop failed", t);
            return false;
        } finally {
            ThreadExecutorMap.setCurrentExecutor(previous);
        }
    }

    /** On the keeper, holding the role: runs what is queued, closes every channel, ends. */
    private void shutDownNow() {
        try {
            runTasks();
            cancelScheduledTasks();
            handler.prepareToDestroy();
            runTasks();
            handler.destroy();
            runTasks();
        } finally {
            state.set(TERMINATED);
            termination.trySuccess(null);
            Thread next;
            while ((next = waiting.poll()) != null) {
                LockSupport.unpark(next);
            }
        }
    }

    // ------------------------------------------------------------------ how long a pass may block

    /** Time left until the next timer, from a {@link System#nanoTime()} reading; -1 when none. */
    private long nanosToNextTimer() {
        long next = nextScheduledTaskDeadlineNanos();
        return next == -1 ? -1 : Math.max(0, next - getCurrentTimeNanos());
    }

    private final class KeeperContext implements IoHandlerContext {
        @Override
        public boolean canBlock() {
            return tasks.isEmpty() && !callerWaiting && state.get() == STARTED;
        }

        @Override
        public long delayNanos(long currentTimeNanos) {
            long timer = nanosToNextTimer();
            return timer == -1 ? LONGEST_SELECT_NANOS : Math.min(timer, LONGEST_SELECT_NANOS);
        }

        @Override
        public long deadlineNanos() {
            return getCurrentTimeNanos() + delayNanos(0);
        }
    }

    private final class CallerContext implements IoHandlerContext {
        CompletableFuture<?> future;
        long deadlineNanos;

        @Override
        public boolean canBlock() {
            // Interrupted: never block, and let the selector return before it would clear the flag.
            CompletableFuture<?> f = future;
            // The state too: a shutdown's wake-up is lost on a handler that is polling, not waiting (AnswerSpin).
            return tasks.isEmpty() && f != null && !f.isDone() && state.get() == STARTED
                    && !Thread.currentThread().isInterrupted();
        }

        @Override
        public long delayNanos(long currentTimeNanos) {
            long left = Math.max(0, deadlineNanos - System.nanoTime());
            long timer = nanosToNextTimer();
            return timer == -1 ? left : Math.min(timer, left);
        }

        @Override
        public long deadlineNanos() {
            return getCurrentTimeNanos() + delayNanos(0);
        }
    }

    // ------------------------------------------------------------------------- EventLoop

    @Override
    public boolean inEventLoop(Thread thread) {
        return driver.get() == thread;
    }

    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (state.get() == TERMINATED) {
            throw new RejectedExecutionException("the client's event loop is shut down");
        }
        tasks.add(task);
        if (inEventLoop()) {
            return;
        }
        if (driver.get() != null) {
            handler.wakeup(); // a driver that leaves meanwhile sees the task and calls the keeper
        } else {
            readerNeeded = true;
            LockSupport.unpark(keeper);
        }
        if (state.get() == TERMINATED && tasks.remove(task)) {
            throw new RejectedExecutionException("the client's event loop is shut down");
        }
    }

    @Override
    public Future<IoRegistration> register(IoHandle handle) {
        Promise<IoRegistration> promise = newPromise();
        Runnable registration = () -> {
            try {
                promise.setSuccess(handler.register(handle));
            } catch (Exception e) {
                promise.setFailure(e);
            }
        };
        if (inEventLoop()) {
            registration.run();
        } else {
            execute(registration);
        }
        return promise;
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return handler.isCompatible(handleType);
    }

    @Override
    public boolean isIoType(Class<? extends IoHandler> handlerType) {
        return handler.getClass().equals(handlerType);
    }

    @Override
    public CallerDrivenEventLoop next() {
        return this;
    }

    @Override
    public IoEventLoopGroup parent() {
        return null;
    }

    @Deprecated
    @Override
    public ChannelFuture register(Channel channel) {
        return register(new DefaultChannelPromise(channel, this));
    }

    @Override
    public ChannelFuture register(ChannelPromise promise) {
        promise.channel().unsafe().register(this, promise);
        return promise;
    }

    @Deprecated
    @Override
    public ChannelFuture register(Channel channel, ChannelPromise promise) {
        channel.unsafe().register(this, promise);
        return promise;
    }

    @Override
    public boolean isShuttingDown() {
        return state.get() >= SHUTTING_DOWN;
    }

    @Override
    public Future<?> shutdownGracefully(long quietPeriod, long timeout, TimeUnit unit) {
        if (state.compareAndSet(STARTED, SHUTTING_DOWN)) {
            readerNeeded = true;
            LockSupport.unpark(keeper);
            handler.wakeup(); // a caller in the selector returns, sees the state and leaves the role
        }
        return termination;
    }

    @Override
    public Future<?> terminationFuture() {
        return termination;
    }

    @Deprecated
    @Override
    public void shutdown() {
        shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }

    @Override
    public boolean isShutdown() {
        return state.get() == TERMINATED;
    }

    @Override
    public boolean isTerminated() {
        return state.get() == TERMINATED;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return termination.await(timeout, unit);
    }
}
