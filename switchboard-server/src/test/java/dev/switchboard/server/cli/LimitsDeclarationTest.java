package dev.switchboard.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.SwitchboardConfig;
import dev.switchboard.server.limits.Limit;
import dev.switchboard.server.limits.Limits;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The limits registry is the one declaration of every limit: each has its option with the same
 * default, its {@code SWITCHBOARD_*} variable that sets it, the same default in
 * {@link SwitchboardConfig}, and its row in docs/operations.md; and every option that bounds
 * something is in the registry.
 */
class LimitsDeclarationTest {
    /** Options that look like limits but bound nothing a client grows, with the reason. */
    private static final Map<String, String> NOT_LIMITS = Map.of(
            "--gc-max-idle", "how long an idle key lives, not a bound on what clients hold",
            "--http-rate-limit-burst", "the bucket size of --http-rate-limit-per-ip, whose hits it shares",
            "--rpc-max-timeout-ms", "cuts a call's deadline short; what calls hold is bounded by --rpc-max-in-flight",
            "--token-max-ttl", "how long a signed token may still be valid, not a bound on what clients hold",
            "--relay-token-max-lifetime", "how long a relay token may still be valid, not a bound on what clients hold",
            "--webhook-max-response-bytes", "caps what the node reads from a webhook or hook URL the operator allowed, not "
                    + "something a client grows; a longer answer is the call's webhook_failed");
    private static final Pattern LIMIT_LIKE = Pattern.compile("max|limit|buffer|-bytes");

    private static List<Limit> declared() {
        return Stream.concat(Limits.ALL.stream(), Limits.ROLLING_BUFFERS.stream()).toList();
    }

    private static SwitchboardConfig config(Map<String, String> env, String... args) {
        CommandLine cl = Main.commandLine(env);
        cl.parseArgs(args);
        return ((Main) cl.getCommand()).toConfig();
    }

    @Test
    void everyLimitHasItsOptionWithTheRegisteredDefault() {
        CommandLine.Model.CommandSpec spec = Main.commandLine(Map.of()).getCommandSpec();
        for (Limit l : declared()) {
            OptionSpec option = spec.findOption(l.option());
            assertThat(option).as("option %s of limit %s", l.option(), l.name()).isNotNull();
            assertThat(option.defaultValue()).as("default of %s", l.option()).isEqualTo(l.defaultValue());
            assertThat(option.description()[0]).as("help of %s", l.option()).contains("(default: " + l.defaultValue());
        }
    }

    @Test
    void theConfigurationDefaultsAreTheRegisteredOnes() {
        SwitchboardConfig defaults = SwitchboardConfig.defaults();
        SwitchboardConfig fromCommandLine = config(Map.of());
        for (Limit l : declared()) {
            double expected = Double.parseDouble(l.defaultValue());
            assertThat(l.configured().applyAsDouble(defaults)).as("SwitchboardConfig default of %s", l.option()).isEqualTo(expected);
            assertThat(l.configured().applyAsDouble(fromCommandLine)).as("command-line default of %s", l.option()).isEqualTo(expected);
        }
    }

    @Test
    void everyLimitIsSetByItsEnvironmentVariable() {
        for (Limit l : declared()) {
            assertThat(l.environmentVariable()).isEqualTo(EnvironmentDefaults.switchboardName(l.option()));
            // A value no default has, within every limit's accepted range.
            String value = l.option().equals("--max-frame-bytes") || l.option().equals("--http-max-body-bytes") ? "70000"
                    : l.option().contains("pending") || l.option().contains("replay") ? "700000" : "7";
            SwitchboardConfig c = config(Map.of(l.environmentVariable(), value));
            assertThat(l.configured().applyAsDouble(c)).as("%s=%s", l.environmentVariable(), value)
                    .isEqualTo(Double.parseDouble(value));
        }
    }

    @Test
    void everyOptionThatBoundsSomethingIsRegistered() {
        Set<String> registered = new TreeSet<>();
        declared().forEach(l -> registered.add(l.option()));
        List<String> missing = new ArrayList<>();
        for (OptionSpec o : Main.commandLine(Map.of()).getCommandSpec().options()) {
            String name = o.longestName();
            if (LIMIT_LIKE.matcher(name).find() && !registered.contains(name) && !NOT_LIMITS.containsKey(name)) missing.add(name);
        }
        assertThat(missing).as("options that look like limits but are not in the limits registry").isEmpty();
        assertThat(Limits.ALL).allSatisfy(l -> assertThat(Limits.byName(l.name())).isSameAs(l));
    }

    @Test
    void theOperationsGuideListsTheRegistry() throws Exception {
        Path doc = Path.of("..", "docs", "operations.md");
        String text = Files.readString(doc, StandardCharsets.UTF_8);
        int start = text.indexOf("<!-- limits:start -->\n");
        int end = text.indexOf("<!-- limits:end -->");
        assertThat(start).as("limits markers in docs/operations.md").isNotNegative();
        assertThat(text.substring(start + "<!-- limits:start -->\n".length(), end))
                .as("the limits tables of docs/operations.md, as Limits.markdownTables() renders them")
                .isEqualTo(Limits.markdownTables());
    }
}
