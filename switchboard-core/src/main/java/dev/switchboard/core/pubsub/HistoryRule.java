package dev.switchboard.core.pubsub;

import dev.switchboard.protocol.Subjects;

/**
 * Which topics keep a history, and how much: {@code --topic-history 'PATTERN=SIZE[:AGE_MS]'}.
 * A topic matching {@code pattern} keeps its last {@code size} messages, each for at most
 * {@code maxAgeMs} milliseconds (0 = no age limit). The first rule that matches a topic wins.
 */
public record HistoryRule(String pattern, int size, long maxAgeMs) {
    /** Most messages one topic may keep (a rule asking more is refused at start). */
    public static final int MAX_SIZE = 1_000_000;

    public HistoryRule {
        String problem = Subjects.patternError(pattern);
        if (problem != null) throw new IllegalArgumentException("topic history pattern '" + pattern + "': " + problem);
        if (size < 1 || size > MAX_SIZE) {
            throw new IllegalArgumentException("topic history size must be 1.." + MAX_SIZE + ", got " + size);
        }
        if (maxAgeMs < 0) throw new IllegalArgumentException("topic history age must not be negative");
    }

    /** Parses {@code PATTERN=SIZE[:AGE_MS]}; {@link IllegalArgumentException} says what is wrong. */
    public static HistoryRule parse(String spec) {
        String s = spec.strip();
        int eq = s.lastIndexOf('=');
        if (eq <= 0 || eq == s.length() - 1) {
            throw new IllegalArgumentException("topic history '" + spec + "' must read PATTERN=SIZE[:AGE_MS]");
        }
        String pattern = s.substring(0, eq);
        String rest = s.substring(eq + 1);
        int colon = rest.indexOf(':');
        try {
            int size = Integer.parseInt(colon < 0 ? rest : rest.substring(0, colon));
            long age = colon < 0 ? 0 : Long.parseLong(rest.substring(colon + 1));
            return new HistoryRule(pattern, size, age);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("topic history '" + spec + "' must read PATTERN=SIZE[:AGE_MS] with whole numbers");
        }
    }

    public boolean matches(String topic) {
        return Subjects.matches(pattern, topic);
    }
}
