package dev.switchboard.server.transport.dflockd;

import java.util.ArrayList;
import java.util.List;

/** Go's whitespace and integer rules, which dflockd's parser uses and its clients rely on. */
final class DflockdSyntax {
    private DflockdSyntax() {
    }

    /** Like Go's {@code unicode.IsSpace}. */
    static boolean isSpace(char c) {
        switch (c) {
            case '\t', '\n', '\u000B', '\f', '\r', ' ', '\u0085', '\u00A0':
                return true;
            default:
                int type = Character.getType(c);
                return type == Character.SPACE_SEPARATOR || type == Character.LINE_SEPARATOR
                        || type == Character.PARAGRAPH_SEPARATOR;
        }
    }

    /** Like Go's {@code strings.TrimSpace}. */
    static String trimSpace(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isSpace(s.charAt(start))) start++;
        while (end > start && isSpace(s.charAt(end - 1))) end--;
        return s.substring(start, end);
    }

    /** Like Go's {@code strings.Fields}. */
    static List<String> fields(String s) {
        List<String> out = new ArrayList<>(3);
        int i = 0;
        int n = s.length();
        while (i < n) {
            while (i < n && isSpace(s.charAt(i))) i++;
            int start = i;
            while (i < n && !isSpace(s.charAt(i))) i++;
            if (i > start) out.add(s.substring(start, i));
        }
        return out;
    }

    /**
     * Like Go's {@code strconv.ParseInt(s, 10, 64)}: an optional sign and ASCII digits, leading
     * zeros allowed; throws {@link DflockdParseException} otherwise or on overflow.
     */
    static long parseInt(String s) {
        int i = 0;
        if (!s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-')) i = 1;
        if (i == s.length()) throw new DflockdParseException(4, "invalid integer: " + s);
        for (int j = i; j < s.length(); j++) {
            char c = s.charAt(j);
            if (c < '0' || c > '9') throw new DflockdParseException(4, "invalid integer: " + s);
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new DflockdParseException(4, "integer out of range: " + s);
        }
    }
}
