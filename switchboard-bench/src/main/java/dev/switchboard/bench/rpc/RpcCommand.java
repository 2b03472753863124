package dev.switchboard.bench.rpc;

import dev.switchboard.bench.CommandChecks;
import dev.switchboard.bench.ServerAddress;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rpc}: request/reply round trips through a queue group of responders. */
@Command(name = "rpc", mixinStandardHelpOptions = true,
        description = "Callers send requests and wait for each reply; responders in one queue group answer with the payload. "
                + "Reports round trips per second and their latency.")
public final class RpcCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--protocol", defaultValue = "json",
            description = "json (Switchboard's native protocol: rpc.call to a backend that rpc.serve's) or nats (nats-server request/reply) (default: ${DEFAULT-VALUE}).")
    RpcWire wire;

    @Option(names = "--server", defaultValue = "127.0.0.1:6388", description = "host:port the callers connect to, and the responders unless --responder-server is set (default: ${DEFAULT-VALUE}).")
    String server;

    @Option(names = "--responder-server", description = "host:port the responders connect to: another node of a cluster, so that every call crosses nodes (default: --server).")
    String responderServer;

    @Option(names = "--callers", defaultValue = "10", description = "Caller connections, one thread each (default: ${DEFAULT-VALUE}).")
    int callers;

    @Option(names = "--responders", defaultValue = "2", description = "Responder connections in the queue group (default: ${DEFAULT-VALUE}).")
    int responders;

    @Option(names = "--payload-bytes", defaultValue = "64", description = "Bytes per request and reply (default: ${DEFAULT-VALUE}).")
    int payloadBytes;

    @Option(names = "--calls", defaultValue = "1000000", description = "At most this many measured calls per caller (default: ${DEFAULT-VALUE}).")
    long calls;

    @Option(names = "--warmup", defaultValue = "3", description = "Seconds of unmeasured calls first (default: ${DEFAULT-VALUE}).")
    long warmupSeconds;

    @Option(names = "--duration", defaultValue = "10", description = "Measured seconds, at most (default: ${DEFAULT-VALUE}).")
    long durationSeconds;

    @Override
    public Integer call() throws InterruptedException {
        CommandChecks.require(spec, callers >= 1 && callers <= 10_000, "--callers must be 1..10000");
        CommandChecks.require(spec, responders >= 1 && responders <= 1_000, "--responders must be 1..1000");
        CommandChecks.require(spec, payloadBytes >= 1 && payloadBytes <= 60_000, "--payload-bytes must be 1..60000");
        CommandChecks.require(spec, calls >= 1, "--calls must be at least 1");
        CommandChecks.requireTimes(spec, warmupSeconds, durationSeconds);
        ServerAddress address = CommandChecks.server(spec, server);
        ServerAddress responderAddress = responderServer == null ? address : CommandChecks.server(spec, responderServer);
        RpcBenchmark.Settings settings = new RpcBenchmark.Settings(wire, address, responderAddress, callers, responders, payloadBytes, calls,
                Duration.ofSeconds(warmupSeconds), Duration.ofSeconds(durationSeconds));
        PrintWriter out = spec.commandLine().getOut();
        out.println(settings.describe());
        out.flush();
        RpcBenchmark.Result result = new RpcBenchmark(settings).run();
        result.print(out);
        out.flush();
        return result.failed() ? 1 : 0;
    }
}
