package dev.switchboard.server.transport.http;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The admin dashboard: {@code /admin} and its assets under {@code /admin/…}, static files from the
 * classpath ({@value #ROOT}). Public like {@code /demo}: the page holds no data, and it asks for
 * the admin token, which it keeps in memory and sends only to the admin API.
 *
 * <p>No path traversal: a path names a file only through a fixed pattern (letters, digits, '-',
 * '_' and single dots between them: never {@code ..}, never a slash, since the router captures
 * one percent-decoded segment per part of the path) in the root or one of {@link #DIRECTORIES} (a
 * folder is accepted only when its joined segments equal one of them), with an extension of
 * {@link #TYPES}; anything else is {@code 404}. Files are read once and kept: they are the
 * server's own resources, a fixed set, so the cache needs no other bound (a name that names no
 * file is not kept).
 *
 * <p>Every answer forbids what the page does not need: a Content-Security-Policy with no inline
 * script or style and connections to this origin only, no caching (an operator may update the
 * server and reload), no MIME sniffing, no framing, no referrer.
 */
final class AdminPage {
    static final String ROOT = "/web/admin/";
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
            + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    /** The folders, as paths: a request's folder segments, joined with '/', must equal one of them. */
    private static final Set<String> DIRECTORIES = Set.of("client", "client/transports", "views");
    private static final Pattern FILE = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml",
            "json", "application/json");
    private static final Map<String, String> HEADERS = Map.of(
            "Cache-Control", "no-store",
            "Content-Security-Policy", CSP,
            "X-Content-Type-Options", "nosniff",
            "X-Frame-Options", "DENY",
            "Referrer-Policy", "no-referrer");

    private final Map<String, byte[]> files = new ConcurrentHashMap<>();

    void registerWith(Router router) {
        for (HttpMethod m : new HttpMethod[] {HttpMethod.GET, HttpMethod.HEAD}) {
            router.add(m, "/admin", ex -> serve(ex, null, "index.html"));
            router.add(m, "/admin/{file}", ex -> serve(ex, null, ex.param("file").isEmpty() ? "index.html" : ex.param("file")));
            router.add(m, "/admin/{dir}/{file}", ex -> serve(ex, ex.param("dir"), ex.param("file")));
            router.add(m, "/admin/{dir}/{sub}/{file}", ex -> serve(ex, ex.param("dir") + "/" + ex.param("sub"), ex.param("file")));
        }
    }

    /** {@code dir} null for the dashboard's root; {@code file} as the router decoded it (it may hold anything). */
    private void serve(HttpExchange ex, String dir, String file) {
        String type = typeOf(dir, file);
        Optional<byte[]> body = type == null ? Optional.empty() : read(dir == null ? file : dir + "/" + file);
        if (body.isEmpty()) {
            ex.error(HttpResponseStatus.NOT_FOUND, "not_found", null);
            return;
        }
        // For HEAD, the HTTP codec writes the head alone, with this Content-Length.
        ex.send(HttpResponseStatus.OK, Unpooled.wrappedBuffer(body.get()), type, HEADERS);
    }

    /**
     * The content type of an acceptable file, or null: the directory one of {@link #DIRECTORIES}
     * (or none), the whole name of the file made of {@link #FILE}'s characters — so that no
     * decoded '/', '\\' or '..' reaches the class loader, which would resolve them.
     */
    static String typeOf(String dir, String file) {
        if (dir != null && !DIRECTORIES.contains(dir)) return null;
        if (file == null || !FILE.matcher(file).matches()) return null;
        int dot = file.lastIndexOf('.');
        return dot < 0 ? null : TYPES.get(file.substring(dot + 1));
    }

    private Optional<byte[]> read(String name) {
        byte[] cached = files.get(name);
        if (cached != null) return Optional.of(cached);
        try (InputStream in = AdminPage.class.getResourceAsStream(ROOT + name)) {
            if (in == null) return Optional.empty();
            byte[] bytes = in.readAllBytes();
            files.putIfAbsent(name, bytes);
            return Optional.of(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
