package dev.switchboard.bench;

import picocli.CommandLine;

/** Option checks the benchmark commands share: a refused value is a usage error (exit code 2) naming the option. */
public final class CommandChecks {
    private CommandChecks() {
    }

    public static void require(CommandLine.Model.CommandSpec spec, boolean ok, String message) {
        if (!ok) throw new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /** {@code --server}'s host:port. */
    public static ServerAddress server(CommandLine.Model.CommandSpec spec, String hostPort) {
        try {
            return ServerAddress.parse(hostPort);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** The warm-up and measured seconds every timed command takes. */
    public static void requireTimes(CommandLine.Model.CommandSpec spec, long warmupSeconds, long durationSeconds) {
        require(spec, warmupSeconds >= 0 && warmupSeconds <= 300, "--warmup must be 0..300 seconds");
        require(spec, durationSeconds >= 1 && durationSeconds <= 300, "--duration must be 1..300 seconds");
    }
}
