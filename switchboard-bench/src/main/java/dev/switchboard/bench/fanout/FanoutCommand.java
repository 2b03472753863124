package dev.switchboard.bench.fanout;

import dev.switchboard.bench.ServerAddress;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fanout}: one publisher pipelining small messages on one channel to many subscribers. */
@Command(name = "fanout", mixinStandardHelpOptions = true,
        description = "One publisher pipelines fixed-size messages on one channel; N subscribers listen on it. "
                + "Reports deliveries per second and delivery latency (send to receipt).")
public final class FanoutCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--protocol", defaultValue = "dflockd",
            description = "dflockd, json (signals), topic (topics), ws (signals over WebSocket) (Switchboard), nats (nats-server) or redis (Redis pub/sub) (default: ${DEFAULT-VALUE}).")
    FanoutProtocol protocol;

    @Option(names = "--server", defaultValue = "127.0.0.1:6388", description = "host:port (default: ${DEFAULT-VALUE}).")
    String server;

    @Option(names = "--subscribers", defaultValue = "100", description = "Subscriber connections (default: ${DEFAULT-VALUE}).")
    int subscribers;

    @Option(names = "--channel", defaultValue = "fanout", description = "The channel (default: ${DEFAULT-VALUE}).")
    String channel;

    @Option(names = "--payload-bytes", defaultValue = "64", description = "Bytes per payload, at least 48 (default: ${DEFAULT-VALUE}).")
    int payloadBytes;

    @Option(names = "--window", defaultValue = "48",
            description = "Messages in flight: published but not yet received by every subscriber. Keep it under the "
                    + "server's per-connection buffer (Switchboard's --signal-buffer-size, 64) (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--messages", defaultValue = "200000", description = "At most this many measured messages (default: ${DEFAULT-VALUE}).")
    long messages;

    @Option(names = "--warmup", defaultValue = "2", description = "Seconds of unmeasured publishing first (default: ${DEFAULT-VALUE}).")
    long warmupSeconds;

    @Option(names = "--duration", defaultValue = "10", description = "Measured seconds, at most (default: ${DEFAULT-VALUE}).")
    long durationSeconds;

    @Option(names = "--connect-timeout", defaultValue = "30",
            description = "Seconds for every subscriber to connect and listen (default: ${DEFAULT-VALUE}).")
    long connectTimeoutSeconds;

    @Override
    public Integer call() throws InterruptedException {
        check(subscribers >= 1 && subscribers <= 100_000, "--subscribers must be 1..100000");
        check(payloadBytes >= BenchPayload.MIN_BYTES && payloadBytes <= 60_000, "--payload-bytes must be 48..60000");
        check(window >= 1 && window <= 100_000, "--window must be 1..100000");
        check(messages >= 1, "--messages must be at least 1");
        check(warmupSeconds >= 0 && warmupSeconds <= 300, "--warmup must be 0..300 seconds");
        check(durationSeconds >= 1 && durationSeconds <= 300, "--duration must be 1..300 seconds");
        check(connectTimeoutSeconds >= 1, "--connect-timeout must be at least 1 second");
        check(!channel.isEmpty() && channel.chars().allMatch(c -> c > ' ' && c < 127 && c != '*' && c != '>' && c != '"'),
                "--channel must be printable ASCII without spaces, quotes or wildcards");
        ServerAddress address;
        try {
            address = ServerAddress.parse(server);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        FanoutBenchmark.Settings settings = new FanoutBenchmark.Settings(protocol, address.host(), address.port(),
                subscribers, channel, payloadBytes, window, messages, Duration.ofSeconds(warmupSeconds),
                Duration.ofSeconds(durationSeconds), Duration.ofSeconds(connectTimeoutSeconds));
        PrintWriter out = spec.commandLine().getOut();
        out.println(settings.describe());
        out.flush();
        FanoutBenchmark.Result result = new FanoutBenchmark(settings).run();
        result.print(out);
        out.flush();
        return result.failed() ? 1 : 0;
    }

    private void check(boolean ok, String message) {
        if (!ok) throw new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
