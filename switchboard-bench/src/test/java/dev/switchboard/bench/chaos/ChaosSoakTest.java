package dev.switchboard.bench.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.bench.BenchMain;
import dev.switchboard.server.Switchboard;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A short chaos soak against an embedded server whose grace periods, idle timeouts and key
 * collection are short, so that everything a cut client leaves behind runs out within the run:
 * zero violations, nothing left on the server, and every kind of operation and chaos happened.
 */
class ChaosSoakTest {
    @Test
    @Timeout(120)
    void aShortSoakFindsNoViolationAndLeavesNothingBehind() throws InterruptedException {
        try (Switchboard server = Switchboard.builder().host("127.0.0.1").port(0)
                .sessionGrace(Duration.ofSeconds(3))
                .httpSessionIdleTimeout(Duration.ofSeconds(2))
                .leaseSweepInterval(Duration.ofMillis(50))
                .gcInterval(Duration.ofMillis(200))
                .gcMaxIdle(Duration.ofMillis(300))
                .shutdownTimeout(Duration.ofSeconds(1))
                .start()) {
            ChaosSettings settings = new ChaosSettings("127.0.0.1", server.port(), Duration.ofSeconds(20), 18, 3, 2, 3,
                    250, 0.08, 10, 42, Duration.ofSeconds(20));

            ChaosReport report = new ChaosSoak(settings).run();

            StringWriter printed = new StringWriter();
            report.print(new PrintWriter(printed, true));
            String summary = printed.toString();
            assertThat(report.verdict().violations()).as(summary).isZero();
            assertThat(report.counts().get(Op.UNEXPECTED)).as(summary).isZero();
            assertThat(report.residue().leftovers()).as(summary).isEmpty();
            assertThat(report.passed()).as(summary).isTrue();
            for (Op op : new Op[] {Op.LOCK_ACQUIRED, Op.LOCK_TIMEOUT, Op.SEM_ACQUIRED, Op.ENQUEUE_QUEUED, Op.WAIT_GRANTED,
                    Op.WAIT_TIMEOUT, Op.RENEWED, Op.RELEASED, Op.RELEASE_NOT_HELD, Op.HELD_PAST_LEASE, Op.LISTEN,
                    Op.PUBLISH, Op.CUT_MID_WAIT, Op.CUT_MID_HOLD, Op.RESUMED, Op.RESUMED_ON_OTHER_TRANSPORT,
                    Op.NEW_CONNECTION}) {
                assertThat(report.counts().get(op)).as(op.label() + " in%n%s", summary).isPositive();
            }
            for (Transport t : Transport.values()) {
                assertThat(report.counts().requests(t)).as(t + " in%n%s", summary).isGreaterThan(20);
            }
            assertThat(report.grants()).as(summary).isGreaterThan(200);
            assertThat(report.stayedWaiters()).as(summary).isGreaterThan(10);
        }
    }

    @Test
    void theCommandRejectsBadOptions() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = BenchMain.run(new PrintWriter(out), new PrintWriter(err), "chaos", "--clients", "0");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("--clients");
    }
}
