package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

/** The two identities of the direct-message tests, and a client welcomed as one of them on JSON lines. */
final class AliceAndBob {
    /**
     * {@code team.alice} with token {@code t-alice} (who may watch presence), {@code team.bob} with {@code t-bob} (one peer:
     * a newer session replaces an older one), and {@code team.svc} with {@code t-svc}, an identity
     * several sessions may share.
     */
    static final String ACL = """
            {"identities": [
               {"name": "team.alice", "token": "t-alice", "subscribe": ["presence.>"]},
               {"name": "team.bob", "token": "t-bob", "unique": true},
               {"name": "team.svc", "token": "t-svc"}]}
            """;

    private AliceAndBob() {
    }

    static NativeClient lines(int port, String token) throws Exception {
        NativeClient c = NativeClient.lines(port);
        c.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"token\":\"" + token + "\"}");
        assertThat(c.readReply(1).path("op").asString()).isEqualTo("welcome");
        return c;
    }
}
