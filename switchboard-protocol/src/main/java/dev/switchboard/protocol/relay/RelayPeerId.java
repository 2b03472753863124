package dev.switchboard.protocol.relay;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;

/**
 * A relay peer id: the 4 ASCII bytes {@code sha-} then the SHA-256 of the peer's key string (a
 * NetBird client passes its WireGuard public key), 36 bytes in all. Printed, as the original
 * prints it, as {@code sha-} followed by the standard base64 (with padding) of the 32 hash bytes.
 * Immutable, with its hash code computed once: it is a map key on the forwarding path.
 */
public final class RelayPeerId {
    /** The size of an id on the wire. */
    public static final int BYTES = 36;
    private static final byte[] PREFIX = "sha-".getBytes(StandardCharsets.US_ASCII);
    private static final int HASH_BYTES = BYTES - 4;

    private final byte[] bytes;
    private final int hashCode;

    private RelayPeerId(byte[] bytes) {
        this.bytes = bytes;
        this.hashCode = Arrays.hashCode(bytes);
    }

    /** The id a peer with this key derives ({@code sha-} + SHA-256 of the key's UTF-8 bytes). */
    public static RelayPeerId hashOf(String key) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            byte[] id = Arrays.copyOf(PREFIX, BYTES);
            System.arraycopy(hash, 0, id, PREFIX.length, HASH_BYTES);
            return new RelayPeerId(id);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** The id held in these 36 bytes (copied). */
    public static RelayPeerId fromBytes(byte[] id) throws RelayProtocolException {
        if (id.length != BYTES) {
            throw new RelayProtocolException(RelayProtocolException.Reason.BAD_PEER_ID,
                    "a peer id is " + BYTES + " bytes, not " + id.length);
        }
        return checked(id.clone());
    }

    /** The id at {@code index} of {@code buf} (absolute; the buffer's indexes are not moved). */
    public static RelayPeerId read(ByteBuf buf, int index) throws RelayProtocolException {
        if (buf.writerIndex() - index < BYTES) {
            throw new RelayProtocolException(RelayProtocolException.Reason.TRUNCATED,
                    "a peer id needs " + BYTES + " bytes at offset " + index);
        }
        byte[] id = new byte[BYTES];
        buf.getBytes(index, id);
        return checked(id);
    }

    /** The id printed as {@link #toString()} prints it. */
    public static RelayPeerId parse(String printed) throws RelayProtocolException {
        if (!printed.startsWith("sha-")) {
            throw new RelayProtocolException(RelayProtocolException.Reason.BAD_PEER_ID, "a peer id starts with sha-");
        }
        byte[] hash;
        try {
            hash = Base64.getDecoder().decode(printed.substring(PREFIX.length));
        } catch (IllegalArgumentException e) {
            throw new RelayProtocolException(RelayProtocolException.Reason.BAD_PEER_ID, "a peer id's hash is not base64");
        }
        if (hash.length != HASH_BYTES) {
            throw new RelayProtocolException(RelayProtocolException.Reason.BAD_PEER_ID,
                    "a peer id's hash is " + HASH_BYTES + " bytes, not " + hash.length);
        }
        byte[] id = Arrays.copyOf(PREFIX, BYTES);
        System.arraycopy(hash, 0, id, PREFIX.length, HASH_BYTES);
        return new RelayPeerId(id);
    }

    // The original never checks the prefix; every id it makes has it, so one without it is noise
    // (or an attempt to collide with ids of another scheme later) and is refused.
    private static RelayPeerId checked(byte[] id) throws RelayProtocolException {
        if (!Arrays.equals(id, 0, PREFIX.length, PREFIX, 0, PREFIX.length)) {
            throw new RelayProtocolException(RelayProtocolException.Reason.BAD_PEER_ID, "a peer id starts with the bytes sha-");
        }
        return new RelayPeerId(id);
    }

    public void writeTo(ByteBuf out) {
        out.writeBytes(bytes);
    }

    /** Overwrites the 36 bytes at {@code index} of {@code buf} with this id (absolute). */
    public void setAt(ByteBuf buf, int index) {
        buf.setBytes(index, bytes);
    }

    public byte[] toBytes() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RelayPeerId id && Arrays.equals(bytes, id.bytes);
    }

    @Override
    public int hashCode() {
        return hashCode;
    }

    @Override
    public String toString() {
        return "sha-" + Base64.getEncoder().encodeToString(Arrays.copyOfRange(bytes, PREFIX.length, BYTES));
    }
}
