package dev.switchboard.server.cli;

import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;

/**
 * Runs the drain when SIGTERM or SIGINT arrives. The signals are caught rather than left to the
 * JVM's shutdown because a JVM that stops on a signal exits 128 + its number (143 for SIGTERM)
 * even after a clean drain, which service managers count as a failure. Caught, the drain runs
 * on the calling thread and the command returns (exit 0). When the JVM stops some other way
 * (System.exit elsewhere, a signal this class does not catch, such as SIGHUP), a shutdown hook
 * still has the drain run, and the exit code is then the JVM's.
 */
final class StopSignals {
    private StopSignals() {
    }

    /** Blocks until a stop signal (or a JVM shutdown), then runs {@code drain} on this thread. */
    static void awaitThenRun(Runnable drain) throws InterruptedException {
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch drained = new CountDownLatch(1);
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> stop.countDown());
            } catch (IllegalArgumentException e) {
                LoggerFactory.getLogger(StopSignals.class).debug("cannot catch SIG{}: {}", name, e.getMessage());
            }
        }
        // The JVM exits as soon as its hooks return, so the hook waits for the drain it asked for.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                drained.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "switchboard-shutdown"));
        stop.await();
        try {
            drain.run();
        } finally {
            drained.countDown();
        }
    }
}
