package dev.switchboard.client;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import tools.jackson.databind.JsonNode;

/**
 * What the server says of this client's session ({@code session.info}, and the answer to
 * {@code session.set}).
 *
 * @param sessionId   the session's id (as {@link SwitchboardClient#sessionId()})
 * @param transport   the transport it was made on ({@code json} for this client)
 * @param state       {@code active}, or {@code detached} while it has no connection
 * @param attributes  its attributes, those the embedding server set ({@code server.} keys) included
 * @param connections how many connections it has now
 * @param lastSeq     the sequence number of its last event
 */
public record SessionInfo(String sessionId, String transport, String state, Map<String, String> attributes,
        int connections, long lastSeq) {
    public SessionInfo {
        Objects.requireNonNull(sessionId, "sessionId");
        attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    }

    static SessionInfo of(JsonNode result) {
        Map<String, String> attributes = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : result.path("attributes").properties()) {
            attributes.put(e.getKey(), e.getValue().asString());
        }
        return new SessionInfo(result.path("session").asString(), result.path("transport").asString(),
                result.path("state").asString(), attributes, result.path("connections").asInt(),
                result.path("last_seq").asLong());
    }
}
