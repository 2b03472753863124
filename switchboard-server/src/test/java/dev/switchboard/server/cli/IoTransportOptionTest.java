package dev.switchboard.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.transport.IoTransport;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** --io-transport and SWITCHBOARD_IO_TRANSPORT: the values taken, and a bad one stopping the start. */
class IoTransportOptionTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(Map<String, String> env, String... args) {
        return Main.run(args, env, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    private static IoTransport chosen(Map<String, String> env, String... args) {
        var cl = Main.commandLine(env);
        cl.parseArgs(args);
        return ((Main) cl.getCommand()).toConfig().ioTransport();
    }

    @Test
    void theOptionAndItsVariableChooseTheTransportAndAutoIsTheDefault() {
        assertThat(chosen(Map.of(), "--io-transport", "nio")).isEqualTo(IoTransport.NIO);
        assertThat(chosen(Map.of("SWITCHBOARD_IO_TRANSPORT", "nio"))).isEqualTo(IoTransport.NIO);
        assertThat(chosen(Map.of("SWITCHBOARD_IO_TRANSPORT", "nio"), "--io-transport", "auto")).isEqualTo(IoTransport.auto());
        assertThat(chosen(Map.of())).isEqualTo(IoTransport.auto());
    }

    @Test
    void anUnknownValueStopsTheStartWithExitCode2NamingTheOption() {
        assertThat(run(Map.of(), "--io-transport", "kqueue", "--port", "0")).isEqualTo(2);
        assertThat(err.toString()).startsWith("switchboard: invalid setting: ")
                .contains("--io-transport must be auto, epoll or nio, not 'kqueue'");
    }

    @Test
    void anUnknownValueFromTheEnvironmentNamesTheVariable() {
        assertThat(run(Map.of("SWITCHBOARD_IO_TRANSPORT", "fast"), "--port", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("environment variable SWITCHBOARD_IO_TRANSPORT (--io-transport)")
                .contains("not 'fast'");
    }
}
