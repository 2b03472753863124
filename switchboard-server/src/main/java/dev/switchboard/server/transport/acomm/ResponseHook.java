package dev.switchboard.server.transport.acomm;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where an acomm request's Response goes: a Unix socket ({@code unix:///abs/path}, one frame
 * exchange) or an HTTP(S) URL (a POST). Read from a request's {@code responsehook}, in either form
 * a client may send: a URL string, or Go's {@code url.URL} struct as acomm's Go code marshals it
 * ({@code {"Scheme","Host","Path","RawQuery",…}}).
 *
 * <p>Security: the server connects wherever a hook says, so hooks are checked before the request
 * is taken. An HTTP(S) hook must start with one of the {@code --rpc-hook-url-allow} prefixes;
 * a Unix socket hook is taken from a client on the Unix socket or on loopback (it could reach
 * that socket itself), and from any other client only when it matches an allowed prefix too.
 *
 * @param uri  the hook as a URL
 * @param unix true for a Unix socket ({@link #socketPath()}), false for HTTP(S)
 */
public record ResponseHook(URI uri, boolean unix) {
    /** The socket file of a Unix hook. */
    public String socketPath() {
        return uri.getPath();
    }

    @Override
    public String toString() {
        return uri.toString();
    }

    /**
     * The hook of a request, or null when it names none ({@code responsehook} absent or null).
     *
     * @param localClient true when the request came on the Unix socket or from a loopback address
     * @param allowed     the {@code --rpc-hook-url-allow} prefixes
     * @throws IllegalArgumentException saying why the hook cannot be used
     */
    public static ResponseHook parse(Object value, boolean localClient, List<String> allowed) {
        if (value == null) return null;
        URI uri;
        if (value instanceof String s) {
            try {
                uri = new URI(s);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("responsehook is not a URL: " + e.getMessage());
            }
        } else if (value instanceof Map<?, ?> goUrl) {
            uri = fromGoStruct(goUrl);
        } else {
            throw new IllegalArgumentException("responsehook must be a URL string or a Go url.URL object");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri.getRawUserInfo() != null) {
            // http://allowed.host@elsewhere/ would pass a prefix check while going elsewhere.
            throw new IllegalArgumentException("a responsehook with user information is refused");
        }
        String text = scheme.equals("unix") && uri.getRawAuthority() == null ? "unix://" + uri.getPath() : uri.toString();
        boolean allowedByPrefix = allowed.stream().anyMatch(text::startsWith);
        switch (scheme) {
            case "unix" -> {
                // unix://name puts "name" in the host and would dial "/" in acomm: say so instead.
                if (uri.getRawAuthority() != null || uri.getPath() == null || !uri.getPath().startsWith("/")) {
                    throw new IllegalArgumentException("a unix responsehook is unix:///absolute/path (three slashes): " + text);
                }
                if (!localClient && !allowedByPrefix) {
                    throw new IllegalArgumentException("a unix responsehook from a remote client must start with one of "
                            + "--rpc-hook-url-allow");
                }
                return new ResponseHook(uri, true);
            }
            case "http", "https" -> {
                if (uri.getHost() == null) throw new IllegalArgumentException("responsehook has no host: " + text);
                if (!allowedByPrefix) {
                    throw new IllegalArgumentException("responsehook " + text + " does not start with any --rpc-hook-url-allow prefix");
                }
                return new ResponseHook(uri, false);
            }
            default -> throw new IllegalArgumentException("responsehook must be unix:///path, http:// or https://, got " + text);
        }
    }

    /** Go's url.URL fields, as {@code net/url}'s String() would join them (the fields acomm's hooks use). */
    private static URI fromGoStruct(Map<?, ?> u) {
        String scheme = field(u, "Scheme");
        String opaque = field(u, "Opaque");
        if (!opaque.isEmpty()) throw new IllegalArgumentException("responsehook: an opaque URL cannot be a hook");
        if (u.get("User") != null) throw new IllegalArgumentException("responsehook: a URL with user information cannot be a hook");
        String host = field(u, "Host");
        String path = field(u, "Path");
        String query = field(u, "RawQuery");
        try {
            // The multi-argument constructor quotes what needs quoting in the path.
            return new URI(scheme.isEmpty() ? null : scheme, host.isEmpty() ? null : host, path.isEmpty() ? null : path,
                    query.isEmpty() ? null : query, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("responsehook is not a URL: " + e.getMessage());
        }
    }

    private static String field(Map<?, ?> u, String name) {
        Object v = u.get(name);
        if (v == null) return "";
        if (!(v instanceof String s)) throw new IllegalArgumentException("responsehook." + name + " must be a string");
        return s;
    }
}
