package dev.switchboard.protocol.relay;

import java.util.HexFormat;

/** Golden bytes written out in tests as spaced hex. */
final class RelayHex {
    /** {@code sha-} + SHA-256("alice"), as NetBird's HashID derives it. */
    static final String ALICE = "7368612d 2bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db186d6e90";
    /** {@code sha-} + SHA-256("bob"). */
    static final String BOB = "7368612d 81b637d8fcd2c6da6359e6963113a1170de795e4b725b84d1e0b4cfd9ec58ce9";

    private RelayHex() {
    }

    static byte[] bytes(String spacedHex) {
        return HexFormat.of().parseHex(spacedHex.replace(" ", ""));
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
