package dev.switchboard.bench;

import java.io.PrintWriter;
import dev.switchboard.bench.chaos.ChaosCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code switchboard-bench.jar}: {@code java -jar switchboard-bench.jar locks --workers 10}. */
@Command(name = "switchboard-bench",
        mixinStandardHelpOptions = true,
        version = "switchboard-bench 0.1",
        description = "Load generator for Switchboard (and any dflockd-compatible server).",
        subcommands = {LocksCommand.class, LockMemoryCommand.class, ChaosCommand.class,
                dev.switchboard.bench.fanout.FanoutCommand.class, dev.switchboard.bench.rpc.RpcCommand.class,
                dev.switchboard.bench.relay.RelayCommand.class})
public final class BenchMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        dev.switchboard.protocol.LeakDetection.offUnlessAsked();
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs like {@link #main} but returns the exit code and prints to the given writers (for tests). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new BenchMain());
        cl.setOut(out);
        cl.setErr(err);
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    @Override
    public void run() {
        // No subcommand given: show what exists rather than doing nothing silently.
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand (try 'locks' or 'chaos')");
    }
}
