package dev.switchboard.cluster.nats;

import java.nio.charset.StandardCharsets;

/**
 * How Switchboard names map onto NATS subjects. Every subject a node uses starts with the cluster
 * prefix ({@code --cluster-prefix}, default {@code switchboard}) and a kind ({@code ch} for
 * channels, {@code peer}, {@code rpc}, {@code node}...), so that several clusters can share one NATS
 * and nothing of Switchboard's collides with other users of it.
 *
 * <p>A Switchboard token may hold characters a NATS subject cannot (white space, control
 * characters) and non-ASCII text; they are written as {@code %XX} per UTF-8 byte, as is {@code %}
 * itself, so the mapping is one to one and a literal channel never turns into a wildcard.
 * Wildcard tokens of a pattern ({@code *}, {@code >}) stay wildcards, which is what lets a
 * Switchboard pattern subscribe on NATS as it is.
 */
public final class NatsSubjects {
    private final String prefix;

    public NatsSubjects(String prefix) {
        if (prefix == null || prefix.isEmpty() || !encodeToken(prefix, true).equals(prefix)) {
            throw new IllegalArgumentException("a cluster prefix is one token of printable ASCII without '.', '*', '>' or '%': " + prefix);
        }
        this.prefix = prefix;
    }

    public String prefix() {
        return prefix;
    }

    /**
     * The subject for a channel or pattern of kind {@code kind}: {@code <prefix>.<kind>.<tokens>},
     * each token encoded, wildcard tokens kept.
     */
    public String subject(String kind, String channelOrPattern) {
        StringBuilder b = new StringBuilder(prefix.length() + kind.length() + channelOrPattern.length() + 8)
                .append(prefix).append('.').append(kind);
        int start = 0;
        while (start <= channelOrPattern.length()) {
            int dot = channelOrPattern.indexOf('.', start);
            int end = dot < 0 ? channelOrPattern.length() : dot;
            String token = channelOrPattern.substring(start, end);
            b.append('.');
            if (token.equals("*") || token.equals(">")) b.append(token);
            else b.append(encodeToken(token, false));
            start = end + 1;
        }
        return b.toString();
    }

    /** The subject for one name that must stay a single token whatever it holds (a peer id, a node id). */
    public String single(String kind, String name) {
        return prefix + '.' + kind + '.' + encodeToken(name, true);
    }

    /** The channel or pattern of a subject made by {@link #subject} with the same kind. */
    public String channelOf(String kind, String subject) {
        String head = prefix + '.' + kind + '.';
        if (!subject.startsWith(head)) throw new IllegalArgumentException("not a " + kind + " subject: " + subject);
        return decode(subject.substring(head.length()));
    }

    /** {@code %XX}-encodes what a NATS subject token cannot hold (and '.', '*', '>' too when {@code wholeName}). */
    static String encodeToken(String token, boolean wholeName) {
        if (isPlain(token, wholeName)) return token;
        StringBuilder b = new StringBuilder(token.length() + 16);
        for (byte x : token.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            boolean escape = c <= 0x20 || c >= 0x7f || c == '%'
                    || (wholeName && (c == '.' || c == '*' || c == '>'));
            if (escape) b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                    .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            else b.append((char) c);
        }
        return b.toString();
    }

    private static boolean isPlain(String token, boolean wholeName) {
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c <= 0x20 || c >= 0x7f || c == '%') return false;
            if (wholeName && (c == '.' || c == '*' || c == '>')) return false;
        }
        return true;
    }

    /** Undoes {@link #encodeToken} over a whole subject tail. */
    static String decode(String encoded) {
        if (encoded.indexOf('%') < 0) return encoded;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(encoded.length());
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c == '%' && i + 2 < encoded.length()) {
                out.write(Integer.parseInt(encoded, i + 1, i + 3, 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
