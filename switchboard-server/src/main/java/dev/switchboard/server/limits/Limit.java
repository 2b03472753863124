package dev.switchboard.server.limits;

import dev.switchboard.server.SwitchboardConfig;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * One bound on what a client can make the server hold. Declared once, in {@link Limits}: its
 * command-line option (the environment variable and the metric label follow from it), its
 * default, what a client gets when it hits the bound, and what 0 means when 0 is allowed.
 *
 * @param option     the command-line option, e.g. {@code --max-locks}
 * @param defaultValue the default, as the option takes it (seconds for a duration)
 * @param unit       what the number counts, e.g. "keys", "bytes per message"
 * @param bounds     what the limit bounds, in a sentence fragment for the docs
 * @param whenHit    what a client sees when it hits the bound
 * @param zeroMeans  what an explicit 0 means, or null when 0 is refused
 * @param configured the setting's value in a configuration (a duration in seconds), so that a
 *                   test can check that the default here is the default there
 */
public record Limit(String option, String defaultValue, String unit, String bounds, String whenHit, String zeroMeans,
                    ToDoubleFunction<SwitchboardConfig> configured) {
    /** The label of {@code switchboard_limit_hits_total} that counts hits: {@code --max-locks} is {@code max_locks}. */
    public String name() {
        return option.substring(2).replace('-', '_');
    }

    /** The environment variable that sets the option: {@code --max-locks} is {@code SWITCHBOARD_MAX_LOCKS}. */
    public String environmentVariable() {
        return "SWITCHBOARD_" + name().toUpperCase(Locale.ROOT);
    }
}
