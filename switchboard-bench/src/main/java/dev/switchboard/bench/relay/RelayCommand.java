package dev.switchboard.bench.relay;

import dev.switchboard.bench.CommandChecks;
import dev.switchboard.bench.ServerAddress;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code relay}: pairs of peers, each sender sending to its partner by address as fast as its window allows. */
@Command(name = "relay", mixinStandardHelpOptions = true,
        description = "N pairs of peers; each sender sends fixed-size messages to its partner's address, at most a window of them "
                + "in flight. Checks every message arrives once, in order, intact; reports messages and bytes per second and "
                + "the latency from send to receipt.")
public final class RelayCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--protocol", defaultValue = "ws",
            description = "ws (Switchboard direct messages over WebSocket, in the --framing) or nats (core NATS, a subject per peer) (default: ${DEFAULT-VALUE}).")
    RelayWire wire;

    @Option(names = "--framing", defaultValue = "compact",
            description = "For ws: compact (relay frames, no answer to a send) or envelope (binary envelopes, relay.send answered by a reply) (default: ${DEFAULT-VALUE}).")
    FramingChoice framing;

    @Option(names = "--server", defaultValue = "127.0.0.1:6388", description = "host:port the senders connect to, and the receivers unless --receiver-server is set (default: ${DEFAULT-VALUE}).")
    String server;

    @Option(names = "--receiver-server", description = "host:port the receivers connect to: another node of a cluster, so that every message crosses nodes (default: --server).")
    String receiverServer;

    @Option(names = "--pairs", defaultValue = "10", description = "Sender/receiver pairs (default: ${DEFAULT-VALUE}).")
    int pairs;

    @Option(names = "--payload-bytes", defaultValue = "64", description = "Bytes per message, at least 16 (default: ${DEFAULT-VALUE}).")
    int payloadBytes;

    // Half Switchboard's default --signal-buffer-size (64 events a connection may owe its client): with
    // 64 large messages in flight, a receiver that reads as fast as it can is still cut as a slow consumer.
    @Option(names = "--window", defaultValue = "32", description = "Messages a sender may have in flight (sent, not yet received) (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--messages", defaultValue = "100000000", description = "At most this many measured messages per pair (default: ${DEFAULT-VALUE}).")
    long messages;

    @Option(names = "--warmup", defaultValue = "3", description = "Seconds of unmeasured messages first (default: ${DEFAULT-VALUE}).")
    long warmupSeconds;

    @Option(names = "--duration", defaultValue = "10", description = "Measured seconds, at most (default: ${DEFAULT-VALUE}).")
    long durationSeconds;

    @Override
    public Integer call() throws InterruptedException {
        CommandChecks.require(spec, pairs >= 1 && pairs <= 1_000, "--pairs must be 1..1000");
        CommandChecks.require(spec, payloadBytes >= RelayPayload.MIN_BYTES && payloadBytes <= 1 << 20, "--payload-bytes must be 16..1048576");
        CommandChecks.require(spec, window >= 1 && window <= 100_000, "--window must be 1..100000");
        CommandChecks.require(spec, messages >= 1, "--messages must be at least 1");
        CommandChecks.requireTimes(spec, warmupSeconds, durationSeconds);
        ServerAddress address = CommandChecks.server(spec, server);
        ServerAddress receiverAddress = receiverServer == null ? address : CommandChecks.server(spec, receiverServer);
        RelayBenchmark.Settings settings = new RelayBenchmark.Settings(wire, framing, address, receiverAddress, pairs, payloadBytes, window, messages,
                Duration.ofSeconds(warmupSeconds), Duration.ofSeconds(durationSeconds));
        PrintWriter out = spec.commandLine().getOut();
        out.println(settings.describe());
        out.flush();
        RelayBenchmark.Result result = new RelayBenchmark(settings).run();
        result.print(out);
        out.flush();
        return result.failed() ? 1 : 0;
    }
}
