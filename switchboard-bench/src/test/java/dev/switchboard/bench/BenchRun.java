package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One {@code switchboard-bench} command run in-process, as the benchmark commands' tests read it. */
public record BenchRun(int exitCode, String output, String errors) {
    public static BenchRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = BenchMain.run(new PrintWriter(out), new PrintWriter(err), args);
        return new BenchRun(code, out.toString(), err.toString());
    }

    /** The whole number after {@code label:} at the start of a line of the report. */
    public long number(String label) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(label) + ":\\s+(\\d+)").matcher(output);
        assertThat(m.find()).as(label + " in " + output).isTrue();
        return Long.parseLong(m.group(1));
    }
}
