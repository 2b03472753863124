package dev.switchboard.bench;

import java.util.ArrayList;
import java.util.List;

/** A {@code host:port} from {@code --servers}. */
public record ServerAddress(String host, int port) {
    static List<ServerAddress> parseList(String csv) {
        List<ServerAddress> out = new ArrayList<>();
        for (String part : csv.split(",")) {
            String s = part.trim();
            if (!s.isEmpty()) {
                out.add(parse(s));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("--servers is empty");
        }
        return out;
    }

    public static ServerAddress parse(String s) {
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException("expected host:port, got '" + s + "'");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in '" + s + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range in '" + s + "'");
        }
        return new ServerAddress(host, port);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
