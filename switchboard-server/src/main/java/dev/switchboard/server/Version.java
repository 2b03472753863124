package dev.switchboard.server;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version this build was made from, as Maven wrote it into the jar. */
public final class Version {
    public static final String VERSION = load();

    private Version() {
    }

    private static String load() {
        Properties p = new Properties();
        try (InputStream in = Version.class.getResourceAsStream("/switchboard-version.properties")) {
            if (in != null) p.load(in);
        } catch (IOException ignored) {
            // fall through to the placeholder
        }
        return p.getProperty("version", "unknown");
    }
}
