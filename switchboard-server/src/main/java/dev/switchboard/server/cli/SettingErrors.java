package dev.switchboard.server.cli;

import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites an error about a setting so that it names where the bad value was written: an option
 * set by an environment variable is named by that variable ({@code SWITCHBOARD_PORT}), since the
 * user never typed {@code --port} and would look for it on the command line in vain.
 */
final class SettingErrors {
    /** An option name standing alone, optionally quoted as picocli writes it: {@code option '--port'}. */
    private static final Pattern OPTION = Pattern.compile("(option ')?(?<![\\w-])(--[a-z][a-z0-9-]*)(?![\\w-])(')?");

    private final EnvironmentDefaults environment;
    private final Predicate<String> onCommandLine;

    SettingErrors(EnvironmentDefaults environment, Predicate<String> onCommandLine) {
        this.environment = environment;
        this.onCommandLine = onCommandLine;
    }

    String rewrite(String message) {
        Matcher m = OPTION.matcher(message);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String option = m.group(2);
            String variable = onCommandLine.test(option) ? null : environment.variableFor(option);
            String replacement = variable == null ? m.group()
                    : "environment variable " + variable + " (" + option + ")";
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }
}
