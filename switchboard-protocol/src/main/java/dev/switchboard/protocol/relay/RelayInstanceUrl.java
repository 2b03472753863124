package dev.switchboard.protocol.relay;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * The relay's instance URL, returned in AuthResponse: peers compare it to tell "the same relay"
 * from "a foreign relay". Built from the exposed address as the original builds it: an address
 * without a scheme gains {@code rels://} when the relay serves TLS and {@code rel://} otherwise; an
 * explicit scheme wins (so {@code rels://} can be declared behind a TLS-terminating proxy) but
 * must be {@code rel} or {@code rels}.
 */
public final class RelayInstanceUrl {
    private RelayInstanceUrl() {
    }

    /** The instance URL for {@code exposedAddress} ({@code host:port}, or a {@code rel(s)://} URL). */
    public static String fromExposedAddress(String exposedAddress, boolean tls) throws RelayProtocolException {
        String url = exposedAddress.contains("://") ? exposedAddress : (tls ? "rels://" : "rel://") + exposedAddress;
        check(url);
        return url;
    }

    /** Refuses a URL that is not {@code rel://host...} or {@code rels://host...}. */
    public static void check(String url) throws RelayProtocolException {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new RelayProtocolException(RelayProtocolException.Reason.BAD_INSTANCE_URL,
                    "the instance URL is not a URL: " + e.getMessage());
        }
        if (!"rel".equals(uri.getScheme()) && !"rels".equals(uri.getScheme())) {
            throw new RelayProtocolException(RelayProtocolException.Reason.BAD_INSTANCE_URL,
                    "the instance URL's scheme is rel or rels, not " + uri.getScheme());
        }
        if (uri.getHost() == null) {
            throw new RelayProtocolException(RelayProtocolException.Reason.BAD_INSTANCE_URL, "the instance URL names no host: " + url);
        }
    }
}
