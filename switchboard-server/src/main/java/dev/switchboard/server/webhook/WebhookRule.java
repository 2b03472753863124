package dev.switchboard.server.webhook;

import dev.switchboard.protocol.Subjects;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * One {@code --rpc-webhook PATTERN=URL}: calls and notifies to names matching {@code pattern}
 * that no in-process handler or backend serves are POSTed to {@code url}.
 */
public record WebhookRule(String pattern, URI url) {
    public WebhookRule {
        String problem = Subjects.patternError(pattern);
        if (problem != null) throw new IllegalArgumentException("--rpc-webhook pattern " + pattern + ": " + problem);
        String why = httpUrlError(url);
        if (why != null) throw new IllegalArgumentException("--rpc-webhook URL " + url + ": " + why);
    }

    /** Parses {@code PATTERN=URL}. */
    public static WebhookRule parse(String rule) {
        int eq = rule.indexOf('=');
        if (eq <= 0 || eq == rule.length() - 1) {
            throw new IllegalArgumentException("--rpc-webhook must be PATTERN=URL, got: " + rule);
        }
        try {
            return new WebhookRule(rule.substring(0, eq).trim(), new URI(rule.substring(eq + 1).trim()));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--rpc-webhook URL: " + e.getMessage(), e);
        }
    }

    public boolean matches(String name) {
        return Subjects.matches(pattern, name);
    }

    /**
     * Null when {@code url} is an absolute http(s) URL with a host and no user info (which could
     * make a prefix check read {@code http://allowed@elsewhere/} as allowed); else what is wrong.
     */
    static String httpUrlError(URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) return "not an http or https URL";
        if (url.getHost() == null) return "no host";
        if (url.getRawUserInfo() != null) return "user info is not allowed in the URL";
        return null;
    }

    @Override
    public String toString() {
        return pattern + "=" + url;
    }
}
