package dev.switchboard.bench;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code locks}: workers doing acquire + release on persistent connections, like dflockd's bench. */
@Command(name = "locks", mixinStandardHelpOptions = true,
        description = "Each worker repeats acquire + release on its own persistent connection; one op = acquire + release.")
final class LocksCommand implements Callable<Integer> {
    enum Protocol {
        dflockd, json, json_async, redis, etcd;

        boolean usesJavaClient() {
            return this == json || this == json_async;
        }

        /** The name on the command line: {@code json-async} for {@link #json_async}. */
        String cliName() {
            return name().replace('_', '-');
        }

        static final class Converter implements CommandLine.ITypeConverter<Protocol> {
            @Override
            public Protocol convert(String value) {
                for (Protocol p : values()) {
                    if (p.cliName().equals(value)) {
                        return p;
                    }
                }
                throw new CommandLine.TypeConversionException("expected one of dflockd, json, json-async, redis, etcd but was '" + value + "'");
            }
        }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--workers", defaultValue = "10", description = "Concurrent workers, one connection each (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--rounds", defaultValue = "50", description = "Measured ops per worker (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--warmup", defaultValue = "10", description = "Unmeasured ops per worker before the clock starts (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--warmup-seconds", defaultValue = "0", description = "Each worker also keeps warming up until this many seconds after the start, so that a fresh JVM's JIT has compiled the path under test before the clock starts, whatever the protocol's speed (default: ${DEFAULT-VALUE}).")
    int warmupSeconds;

    @Option(names = "--warmup-max-seconds", defaultValue = "0", description = "After --warmup-seconds, warm-up goes on while the JIT compiler is still busy (20 ms or more of compiling in the last 2 s), up to this many seconds after the start; 0 or a value not above --warmup-seconds turns this off. The output says whether it settled and how much compiling still happened while measured (default: ${DEFAULT-VALUE}).")
    int warmupMaxSeconds;

    @Option(names = "--key", defaultValue = "bench", description = "Key prefix; worker i uses <key>_<i> (default: ${DEFAULT-VALUE}).")
    String key;

    @Option(names = "--shared-key", description = "All workers contend on the one key <key>.")
    boolean sharedKey;

    @Option(names = "--handoff", description = "All workers contend on the one key <key>, and each grant is also timed from the"
            + " previous holder sending its release to the grant arriving (the hand-off).")
    boolean handoff;

    @Option(names = "--protocol", defaultValue = "dflockd", converter = Protocol.Converter.class,
            description = "dflockd; json (the Java client's blocking calls, one thread per worker); json-async (the Java client's"
                    + " async calls, each worker a chain of continuations on the client's I/O threads); or redis (the peer"
                    + " baseline: SET NX PX and a compare-and-delete script); or etcd (the cluster baseline: etcd's own Lock and Unlock"
                    + " RPCs through jetcd, one lease per worker kept alive; --servers are etcd client endpoints) (default: ${DEFAULT-VALUE}).")
    Protocol protocol;

    @Option(names = "--versus", converter = Protocol.Converter.class,
            description = "Compare --protocol with this one side by side in one process: after a warm-up run of each, --pairs"
                    + " pairs of runs alternate between the two (in turns, each pair in the other order), so that both see the"
                    + " same moments of a noisy machine; prints each pair and the median ratio of ops/s.")
    Protocol versus;

    @Option(names = "--versus-servers", description = "With --versus: the --versus protocol's runs go to these servers"
            + " (host:port[,host:port...]) instead of --servers; then --versus may name the same protocol as --protocol, to"
            + " compare two servers (two builds, or a server against real dflockd) in turns in one process.")
    String versusServers;

    @Option(names = "--versus-server-pid", defaultValue = "0", description = "With --versus-servers: the process id of their"
            + " server, as --server-pid is of --servers' (default: none).")
    long versusServerPid;

    @Option(names = "--reconnect-each-run", description = "With --versus: each run opens its workers' connections and closes"
            + " them at its end, instead of each side keeping them from run to run (the default: a comparison of lock cycles"
            + " that does not also measure, inside its runs, the server recompiling its hot path after each connection's setup).")
    boolean reconnectEachRun;

    @Option(names = "--pairs", defaultValue = "10", description = "With --versus: measured pairs of runs (default: ${DEFAULT-VALUE}).")
    int pairs;

    @Option(names = "--client-loop", description = "For json and json-async: own (each worker's client owns its event loop,"
            + " and a worker blocked in a call reads its own answers) or shared (every worker's client on one shared I/O"
            + " group, one thread per CPU) (default: own for json, shared for json-async).")
    LockBenchmark.ClientLoop clientLoop;

    @Option(names = "--client-transport", defaultValue = "native", description = "For json and json-async: native (Netty's"
            + " epoll where it loads, the client's default) or nio (default: ${DEFAULT-VALUE}).")
    String clientTransport;

    @Option(names = "--answer-spin-us", description = "For json and json-async on the native"
            + " transport: how long the client's event loops poll for an answer before they sleep, in microseconds;"
            + " 0 = they sleep at once, as they always do on nio (default: the client's own, 0 for a client's own"
            + " loop and 50 for the shared group).")
    Long answerSpinMicros;

    @Option(names = "--servers", defaultValue = "127.0.0.1:6388",
            description = "host:port[,host:port...]; keys are sharded by crc32 as dflockd clients do (default: ${DEFAULT-VALUE}).")
    String servers;

    @Option(names = "--spread", description = "Worker i connects to server i mod N of --servers instead of its key's crc32 shard:"
            + " for a cluster, whose every node serves every key, so that the clients are spread over the nodes even on one key.")
    boolean spread;

    @Option(names = "--lease", defaultValue = "10", description = "Lease in seconds (default: ${DEFAULT-VALUE}).")
    long leaseSeconds;

    @Option(names = "--timeout", defaultValue = "30", description = "Acquire timeout in seconds (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--auth-token", description = "Shared auth token of the server(s).")
    String authToken;

    @Option(names = "--connect-timeout", defaultValue = "10", description = "Connect timeout in seconds (default: ${DEFAULT-VALUE}).")
    long connectTimeoutSeconds;

    @Option(names = "--server-pid", defaultValue = "0",
            description = "The server's process id, when it runs on this machine (Linux): each run also reports the server's CPU"
            + " per op (all its threads, user and system) over its measured part, and --versus the median for each protocol.")
    long serverPid;

    @Option(names = "--duration-limit", defaultValue = "300",
            description = "Safety cap in seconds on the whole run; workers stop when it is reached (default: ${DEFAULT-VALUE}).")
    long durationLimitSeconds;

    @Override
    public Integer call() {
        check(workers >= 1, "--workers must be at least 1");
        check(rounds >= 1, "--rounds must be at least 1");
        check(warmup >= 0, "--warmup must not be negative");
        check(warmupSeconds >= 0, "--warmup-seconds must not be negative");
        check(warmupMaxSeconds >= 0, "--warmup-max-seconds must not be negative");
        check(clientTransport.equals("native") || clientTransport.equals("nio"), "--client-transport must be native or nio");
        check(leaseSeconds >= 1, "--lease must be at least 1 second");
        check(timeoutSeconds >= 0, "--timeout must not be negative");
        check(connectTimeoutSeconds >= 1, "--connect-timeout must be at least 1 second");
        check(!(handoff && protocol == Protocol.json_async), "--handoff times blocking workers; use --protocol json");
        check(!(protocol == Protocol.etcd && timeoutSeconds < 1), "--protocol etcd waits at least 1 s: etcd's Lock has no try-once");
        check(serverPid >= 0, "--server-pid must not be negative");
        check(serverPid == 0 || ProcessCpu.ofPid(serverPid).known(), "--server-pid: no readable /proc/" + serverPid + "/stat on this machine");
        check(durationLimitSeconds >= 1, "--duration-limit must be at least 1 second");
        check(versus != protocol || versusServers != null, "--versus must name another protocol than --protocol (or give --versus-servers)");
        check(versusServers != null || versusServerPid == 0, "--versus-server-pid needs --versus-servers");
        check(versusServerPid >= 0, "--versus-server-pid must not be negative");
        check(versusServerPid == 0 || ProcessCpu.ofPid(versusServerPid).known(), "--versus-server-pid: no readable /proc/" + versusServerPid + "/stat on this machine");
        check(pairs >= 1, "--pairs must be at least 1");
        check(answerSpinMicros == null || answerSpinMicros >= 0 && answerSpinMicros <= 1_000_000,
                "--answer-spin-us must be 0 to 1000000");
        check(!(handoff && versus == Protocol.json_async), "--handoff times blocking workers; use --versus json");
        check(!(versus == Protocol.etcd && timeoutSeconds < 1), "--versus etcd waits at least 1 s: etcd's Lock has no try-once");
        check(!key.isEmpty() && key.chars().noneMatch(c -> c == ' ' || c == '\t' || c == '\r' || c == '\n'),
                "--key must be non-empty without whitespace");
        LockBenchmark.Settings settings;
        LockBenchmark.Settings versusSettings = null;
        try {
            settings = new LockBenchmark.Settings(protocol, ServerAddress.parseList(servers), workers, rounds, warmup,
                    Duration.ofSeconds(warmupSeconds), Duration.ofSeconds(warmupMaxSeconds), key, sharedKey, handoff, spread,
                    loopFor(protocol), clientTransport.equals("native"), answerSpinMicros == null ? null : Duration.ofNanos(answerSpinMicros * 1000), leaseSeconds, timeoutSeconds, authToken,
                    Duration.ofSeconds(connectTimeoutSeconds), Duration.ofSeconds(durationLimitSeconds), serverPid);
            if (versus != null) {
                versusSettings = settings.slice(versus, loopFor(versus), key, true);
                if (versusServers != null) versusSettings = versusSettings.on(ServerAddress.parseList(versusServers), versusServerPid);
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        if (versus != null) {
            return new InterleavedRuns(settings, versusSettings, pairs, !reconnectEachRun, out).run() ? 0 : 1;
        }
        out.println(settings.describe());
        out.flush();
        LockBenchmark.Result result = new LockBenchmark(settings).run();
        result.print(out);
        out.flush();
        return result.failed() ? 1 : 0;
    }

    /** Where a Java-client protocol's connections run: --client-loop, else own for json and shared for json-async. */
    private LockBenchmark.ClientLoop loopFor(Protocol p) {
        return clientLoop != null ? clientLoop : p == Protocol.json_async ? LockBenchmark.ClientLoop.shared : LockBenchmark.ClientLoop.own;
    }

    private void check(boolean ok, String message) {
        if (!ok) {
            throw new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }
}
