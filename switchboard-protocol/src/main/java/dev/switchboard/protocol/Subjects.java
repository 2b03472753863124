package dev.switchboard.protocol;

/**
 * NATS-style subject syntax: tokens separated by '.'; in patterns {@code *} matches exactly one
 * token and {@code >} one or more trailing tokens. Wildcards must be whole tokens and {@code >}
 * must be last. Empty tokens are not allowed.
 */
public final class Subjects {
    private Subjects() {
    }

    /** Null when {@code pattern} is a valid subscription pattern, else the reason. */
    public static String patternError(String pattern) {
        if (pattern == null || pattern.isEmpty()) return "empty pattern";
        String[] tokens = pattern.split("\\.", -1);
        for (int i = 0; i < tokens.length; i++) {
            String t = tokens[i];
            if (t.isEmpty()) return "empty token in pattern";
            if (t.equals(">")) {
                if (i != tokens.length - 1) return "'>' must be the last token";
            } else if (!t.equals("*") && (t.indexOf('*') >= 0 || t.indexOf('>') >= 0)) {
                return "wildcards must be whole tokens";
            }
        }
        return null;
    }

    /** Null when {@code channel} is a valid literal channel to publish on, else the reason. */
    public static String channelError(String channel) {
        if (channel == null || channel.isEmpty()) return "empty channel";
        if (channel.indexOf('*') >= 0 || channel.indexOf('>') >= 0) return "wildcards are not allowed in a channel";
        for (String t : channel.split("\\.", -1)) {
            if (t.isEmpty()) return "empty token in channel";
        }
        return null;
    }

    /**
     * True when the literal {@code subject} matches {@code pattern} ({@code *} one token,
     * {@code >} one or more trailing tokens). Both are assumed valid.
     */
    public static boolean matches(String pattern, String subject) {
        int p = 0;
        int s = 0;
        while (p < pattern.length()) {
            int pEnd = tokenEnd(pattern, p);
            if (s > subject.length()) return false;
            int sEnd = tokenEnd(subject, s);
            if (pEnd - p == 1 && pattern.charAt(p) == '>') return s < subject.length();
            if (s >= subject.length()) return false;
            boolean star = pEnd - p == 1 && pattern.charAt(p) == '*';
            if (!star && (pEnd - p != sEnd - s || !pattern.regionMatches(p, subject, s, pEnd - p))) return false;
            p = pEnd + 1;
            s = sEnd + 1;
        }
        return s > subject.length();
    }

    private static int tokenEnd(String text, int from) {
        int dot = text.indexOf('.', from);
        return dot < 0 ? text.length() : dot;
    }
}
