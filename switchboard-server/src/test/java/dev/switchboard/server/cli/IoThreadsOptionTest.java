package dev.switchboard.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** --io-threads and SWITCHBOARD_IO_THREADS: the count taken, one per core by default, a negative one refused. */
class IoThreadsOptionTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private static int threads(Map<String, String> env, String... args) {
        var cl = Main.commandLine(env);
        cl.parseArgs(args);
        return ((Main) cl.getCommand()).toConfig().ioThreads();
    }

    @Test
    void theOptionAndItsVariableSetTheCountAndTheDefaultIsOnePerCore() {
        assertThat(threads(Map.of(), "--io-threads", "3")).isEqualTo(3);
        assertThat(threads(Map.of("SWITCHBOARD_IO_THREADS", "2"))).isEqualTo(2);
        assertThat(threads(Map.of("SWITCHBOARD_IO_THREADS", "2"), "--io-threads", "5")).isEqualTo(5);
        assertThat(threads(Map.of())).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(threads(Map.of(), "--io-threads", "0")).isEqualTo(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void aNegativeCountStopsTheStartWithExitCode2() {
        int code = Main.run(new String[] {"--io-threads", "-1", "--port", "0"}, Map.of(),
                new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).startsWith("switchboard: invalid setting: ")
                .contains("--io-threads must be 0 (one per CPU core) or more, not -1");
    }
}
