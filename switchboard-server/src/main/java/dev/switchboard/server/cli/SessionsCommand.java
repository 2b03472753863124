package dev.switchboard.server.cli;

import dev.switchboard.server.transport.JsonSupport;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * {@code switchboard sessions list|close}: session administration of a running server over its
 * admin HTTP routes ({@code /api/v1/admin/}). Exit codes: 0 done, 1 the server refused or failed
 * (or could not be reached, or the session does not exist), 2 a usage error.
 */
@Command(name = "sessions", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Administer the sessions of a running server (needs its --admin-token).",
        subcommands = {SessionsCommand.ListCommand.class, SessionsCommand.CloseCommand.class})
final class SessionsCommand {
    static final String ADMIN_HEADER = "X-Switchboard-Admin";
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    /** Where the server is and how to prove the right to administer it. */
    static final class ServerOptions {
        @Option(names = "--server", paramLabel = "URL", defaultValue = "http://127.0.0.1:6388",
                description = "Base URL of the server's HTTP port (default: ${DEFAULT-VALUE}; env SWITCHBOARD_SERVER).")
        String server;
        // No ${DEFAULT-VALUE}: --help must not print a token taken from the environment.
        @Option(names = "--admin-token", paramLabel = "TOKEN", description = "The server's admin token (env SWITCHBOARD_ADMIN_TOKEN or DFLOCKD_ADMIN_TOKEN).")
        String adminToken;
        @Option(names = "--admin-token-file", paramLabel = "FILE", description = "File holding the admin token (env SWITCHBOARD_ADMIN_TOKEN_FILE).")
        Path adminTokenFile;
        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "10",
                description = "How long to wait for the server (default: ${DEFAULT-VALUE}).")
        long timeoutSeconds;
    }

    /** A one-line failure with its exit code. */
    static final class Failure extends Exception {
        final int exitCode;

        Failure(int exitCode, String message) {
            super(message, null, false, false);
            this.exitCode = exitCode;
        }
    }

    /** What both subcommands share: resolving the options, calling the server, reporting failures. */
    abstract static class AdminCall implements Callable<Integer> {
        @Mixin
        ServerOptions options;
        @Spec
        CommandSpec spec;

        abstract int run(Client client, PrintWriter out) throws Failure;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            try {
                return run(new Client(baseUri(), token(), timeout()), spec.commandLine().getOut());
            } catch (Failure f) {
                err.println("switchboard: " + f.getMessage());
                if (f.exitCode == USAGE) err.println("Try '" + spec.qualifiedName() + " --help' for the options.");
                return f.exitCode;
            }
        }

        private URI baseUri() throws Failure {
            String s = options.server == null ? "" : options.server.trim();
            while (s.endsWith("/")) s = s.substring(0, s.length() - 1);
            try {
                URI u = new URI(s);
                String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
                if (!(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null) {
                    throw new Failure(USAGE, "invalid --server '" + options.server + "': expected http://HOST:PORT or https://HOST:PORT");
                }
                return u;
            } catch (java.net.URISyntaxException e) {
                throw new Failure(USAGE, "invalid --server '" + options.server + "': " + e.getMessage());
            }
        }

        private Duration timeout() throws Failure {
            if (options.timeoutSeconds < 1) throw new Failure(USAGE, "--timeout must be at least 1 second");
            return Duration.ofSeconds(options.timeoutSeconds);
        }

        /** As the server resolves its own: the command line (token, then file), then the environment. */
        private String token() throws Failure {
            CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
            boolean tokenFlag = parsed != null && parsed.hasMatchedOption("--admin-token");
            boolean fileFlag = parsed != null && parsed.hasMatchedOption("--admin-token-file");
            try {
                if (tokenFlag || (!fileFlag && options.adminToken != null)) {
                    return Main.checkedSecret(options.adminToken.trim(),
                            tokenFlag ? "--admin-token" : "SWITCHBOARD_ADMIN_TOKEN/DFLOCKD_ADMIN_TOKEN", "admin token");
                }
                if (options.adminTokenFile != null) {
                    return Main.readSecret(options.adminTokenFile,
                            fileFlag ? "--admin-token-file" : "SWITCHBOARD_ADMIN_TOKEN_FILE/DFLOCKD_ADMIN_TOKEN_FILE", "admin token");
                }
            } catch (IllegalArgumentException e) {
                throw new Failure(USAGE, e.getMessage());
            }
            throw new Failure(USAGE, "no admin token: pass --admin-token or --admin-token-file, or set SWITCHBOARD_ADMIN_TOKEN");
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
            description = "List the live sessions: id, transport, remote address, connections, age, lock keys, subscriptions, queued events.")
    static final class ListCommand extends AdminCall {
        @Override
        int run(Client client, PrintWriter out) throws Failure {
            JsonNode body = client.send("GET", "/api/v1/admin/sessions", null, null);
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"ID", "TRANSPORT", "REMOTE", "CONNS", "AGE", "LOCKS", "SUBS", "QUEUE"});
            for (JsonNode s : body.path("sessions")) {
                rows.add(new String[] {s.path("id").asString(""), s.path("transport").asString(""),
                        s.path("remote_address").asString(""), String.valueOf(s.path("connections").asLong()),
                        age(s.path("age_s").asLong()), String.valueOf(s.path("locks").asLong()),
                        String.valueOf(s.path("subscriptions").asLong()), String.valueOf(s.path("queue_depth").asLong())});
            }
            if (rows.size() == 1) {
                out.println("no sessions");
                return OK;
            }
            int[] width = new int[rows.get(0).length];
            for (String[] r : rows) {
                for (int i = 0; i < r.length; i++) width[i] = Math.max(width[i], r[i].length());
            }
            for (String[] r : rows) {
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < r.length; i++) {
                    if (i > 0) line.append("  ");
                    line.append(i == r.length - 1 ? r[i] : String.format("%-" + width[i] + "s", r[i]));
                }
                out.println(line);
            }
            return OK;
        }

        /** 42s, 3m05s, 2h07m, 4d03h. */
        static String age(long s) {
            if (s < 60) return s + "s";
            if (s < 3600) return String.format("%dm%02ds", s / 60, s % 60);
            if (s < 86_400) return String.format("%dh%02dm", s / 3600, s % 3600 / 60);
            return String.format("%dd%02dh", s / 86_400, s % 86_400 / 3600);
        }
    }

    @Command(name = "close", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
            description = "End a session: its locks are released (per the server's --auto-release-on-disconnect), "
                    + "its subscriptions dropped, its connections told session_closed.")
    static final class CloseCommand extends AdminCall {
        @Parameters(index = "0", paramLabel = "ID", description = "The session's id, as listed.")
        String id;
        @Option(names = "--reason", description = "Why, for the server's log (at most 256 characters).")
        String reason;

        @Override
        int run(Client client, PrintWriter out) throws Failure {
            if (id.isBlank()) throw new Failure(USAGE, "the session id is empty");
            client.send("DELETE", "/api/v1/admin/sessions/" + encode(id),
                    reason == null ? null : "reason=" + encode(reason), id);
            out.println("closed session " + id);
            return OK;
        }
    }

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The admin routes over java.net.http, every failure turned into one line. */
    static final class Client {
        private final URI base;
        private final String token;
        private final Duration timeout;
        private final HttpClient http;

        Client(URI base, String token, Duration timeout) {
            this.base = base;
            this.token = token;
            this.timeout = timeout;
            this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
        }

        /** The JSON answer (null for 204); {@code sessionId} names the session a 404 is about. */
        JsonNode send(String method, String path, String query, String sessionId) throws Failure {
            URI uri = URI.create(base + path + (query == null ? "" : "?" + query));
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout)
                    .header(ADMIN_HEADER, token).header("Accept", "application/json")
                    .method(method, HttpRequest.BodyPublishers.noBody()).build();
            HttpResponse<String> response;
            try {
                response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (HttpTimeoutException e) {
                throw new Failure(FAILED, "no answer from " + base + " within " + timeout.toSeconds() + " s");
            } catch (ConnectException e) {
                throw new Failure(FAILED, "cannot connect to " + base + ": connection refused (is the server running?)");
            } catch (IOException e) {
                throw new Failure(FAILED, "cannot talk to " + base + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Failure(FAILED, "interrupted");
            }
            int status = response.statusCode();
            if (status == 204) return null;
            JsonNode body = parse(response.body());
            String code = body == null ? "" : body.path("code").asString(body.path("error").asString(""));
            String message = body == null ? "" : body.path("message").asString(body.path("detail").asString(""));
            if (status == 200 && body != null) return body;
            if (status == 401) {
                throw new Failure(FAILED, "the server refused the admin token (401 unauthorized): check --admin-token");
            }
            if (status == 404 && code.equals("admin_disabled")) {
                throw new Failure(FAILED, "the server's admin API is disabled (404 admin_disabled): start it with --admin-token");
            }
            if (status == 404 && code.equals("session_not_found")) {
                throw new Failure(FAILED, "no session " + sessionId + " (404 session_not_found: it ended, or never existed)");
            }
            if (status == 404) {
                throw new Failure(FAILED, base + " has no admin API (404" + (code.isEmpty() ? "" : " " + code)
                        + "): is it a Switchboard server?");
            }
            throw new Failure(FAILED, "the server answered " + status + (code.isEmpty() ? "" : " " + code)
                    + (message.isEmpty() ? "" : ": " + message));
        }

        private static JsonNode parse(String body) {
            if (body == null || body.isBlank()) return null;
            try {
                JsonNode n = JsonSupport.MAPPER.readTree(body);
                return n != null && n.isObject() ? n : null;
            } catch (JacksonException e) {
                return null;
            }
        }
    }
}
