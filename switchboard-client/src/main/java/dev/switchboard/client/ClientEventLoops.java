package dev.switchboard.client;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SingleThreadIoEventLoop;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * Event loops for clients: a group to share between many clients ({@link #newGroup}), and the loop
 * of a client that owns one without letting callers read ({@link SwitchboardClient.Builder#callersReadAnswers}).
 *
 * <p>They are Netty's loops with two differences. A loop polls for I/O a little before it sleeps
 * ({@link AnswerSpin}; see {@link SwitchboardClient.Builder#answerSpin}). And a loop with no task
 * scheduled waits for I/O with no deadline. Netty 4.2's loop then waits until "one second from now", which costs a clock read to
 * set and, the deadline having moved, another clock read and a fresh timer for the wait, on every
 * pass of the loop — for a client answering one request at a time, between each answer and the
 * next request. (Netty 4.1's epoll loop waited without a deadline, as here; its one-second wake-up
 * was dropped there as unneeded, netty/netty#9605.) The clients keep their own timers off the loops
 * ({@link ClientTimers}), so a loop serving only clients has nothing scheduled.
 */
public final class ClientEventLoops {
    private ClientEventLoops() {
    }

    /**
     * A group of {@code threads} I/O threads (daemons named {@code name-…}) to give to many clients
     * with {@link SwitchboardClient.Builder#eventLoopGroup}: Netty's native epoll transport where it
     * loads (Linux x86-64), else Java NIO. Shut it down when its clients are closed.
     */
    public static EventLoopGroup newGroup(int threads, String name) {
        return newGroup(threads, name, AnswerSpin.DEFAULT_BUDGET);
    }

    /**
     * As {@link #newGroup(int, String)}; each loop polls for up to {@code answerSpin} before it
     * sleeps (see {@link SwitchboardClient.Builder#answerSpin}; zero: never).
     */
    public static EventLoopGroup newGroup(int threads, String name, Duration answerSpin) {
        return newGroup(threads, name, true, answerSpin);
    }

    static EventLoopGroup newGroup(int threads, String name, boolean nativeTransport, Duration answerSpin) {
        return new Group(threads, name, ClientTransport.handlerFactory(nativeTransport, answerSpin));
    }

    private static final class Group extends MultiThreadIoEventLoopGroup {
        Group(int threads, String name, IoHandlerFactory factory) {
            super(threads, new DefaultThreadFactory(name, true), factory);
        }

        @Override
        protected IoEventLoop newChild(Executor executor, IoHandlerFactory factory, Object... args) {
            return new UndeadlinedLoop(this, executor, factory);
        }
    }

    /** Reports "no deadline" (-1, which the I/O handlers read as "block until woken") when nothing is scheduled. */
    private static final class UndeadlinedLoop extends SingleThreadIoEventLoop {
        UndeadlinedLoop(Group parent, Executor executor, IoHandlerFactory factory) {
            super(parent, executor, factory);
        }

        @Override
        protected long deadlineNanos() {
            return nextScheduledTaskDeadlineNanos();
        }
    }
}
