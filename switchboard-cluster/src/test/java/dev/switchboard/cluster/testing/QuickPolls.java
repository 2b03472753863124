package dev.switchboard.cluster.testing;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Awaitility's defaults for the cluster tests of a class: the first check at once and then every
 * {@link #INTERVAL}, instead of Awaitility's 100 ms delay before the first check and 100 ms
 * between checks. Cluster tests wait for hundreds of conditions that hold within a round trip or
 * two (an etcd write seen by a watch, a NATS message delivered), and the fixed 100 ms per wait was
 * a large share of their time. Only how often a condition is checked changes, never how long a
 * test waits at most: a wait that names its own poll interval keeps it.
 *
 * <p>Every test class of switchboard-cluster gets it (JUnit's extension autodetection, enabled in
 * that module's pom); a server or benchmark cluster test names it with {@code @ExtendWith}. The
 * defaults are restored once no class using them runs any more (classes may run at once), so the
 * next class of the same JVM sees Awaitility's own.
 */
public final class QuickPolls implements BeforeAllCallback, AfterAllCallback {
    /** Checks on loopback cost well under a millisecond each; 20 ms keeps the load of polling small. */
    public static final Duration INTERVAL = Duration.ofMillis(20);

    private static int running;

    @Override
    public void beforeAll(ExtensionContext context) {
        synchronized (QuickPolls.class) {
            if (running++ == 0) {
                Awaitility.setDefaultPollDelay(Duration.ZERO);
                Awaitility.setDefaultPollInterval(INTERVAL);
            }
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        synchronized (QuickPolls.class) {
            if (--running == 0) Awaitility.reset();
        }
    }
}
