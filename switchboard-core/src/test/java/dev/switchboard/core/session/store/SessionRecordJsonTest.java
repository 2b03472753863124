package dev.switchboard.core.session.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one JSON shape of a session record: what the file store and the cluster's etcd records both write. */
class SessionRecordJsonTest {
    private static SessionRecord record() {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("user", "ada");
        attributes.put("tab", "2");
        return new SessionRecord("s-1", SessionKeys.verifier("secret"), attributes,
                List.of(SubscriptionRecord.of("orders.>"), new SubscriptionRecord("jobs.*", "workers")),
                10, 20, 30, List.of("lock:door", "sem:pool"), "http");
    }

    @Test
    void aRecordComesBackAsItWasWritten() {
        SessionRecord r = record();
        SessionRecord back = SessionRecordJson.fromJson(SessionRecordJson.toJson(r));
        assertThat(back).isEqualTo(r);
        assertThat(back.attributes().keySet()).containsExactly("user", "tab");
        assertThat(SessionRecordJson.fromTree(SessionRecordJson.toTree(r))).isEqualTo(r);
    }

    @Test
    void theJsonCarriesTheVerifierNeverTheKey() {
        String json = new String(SessionRecordJson.toJson(record()), StandardCharsets.UTF_8);
        assertThat(json).contains(SessionKeys.verifier("secret")).doesNotContain("\"secret\"");
    }

    @Test
    void aDamagedOrForeignRecordIsRefusedNotGuessedAt() {
        String json = new String(SessionRecordJson.toJson(record()), StandardCharsets.UTF_8);
        assertThatThrownBy(() -> SessionRecordJson.fromJson(json.replace("\"format\":1", "\"format\":2").getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("unsupported format 2");
        assertThatThrownBy(() -> SessionRecordJson.fromJson(json.replace("\"lastSeq\":30,", "").getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("missing lastSeq");
        assertThatThrownBy(() -> SessionRecordJson.fromJson("[1]".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("not a JSON object");
    }
}
