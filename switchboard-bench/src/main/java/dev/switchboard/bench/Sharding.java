package dev.switchboard.bench;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Picks the server for a key the way the dflockd clients (Go, Python, TypeScript) do:
 * {@code crc32_ieee(utf8(key)) % serverCount}, so the bench hits the same node a real client would.
 */
final class Sharding {
    private Sharding() {
    }

    static int index(String key, int serverCount) {
        CRC32 crc = new CRC32();
        crc.update(key.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % serverCount);
    }
}
