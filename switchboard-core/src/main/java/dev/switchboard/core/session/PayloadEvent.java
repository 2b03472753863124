package dev.switchboard.core.session;

import dev.switchboard.protocol.Payload;

/**
 * An event whose main content is a payload (a direct message): a transport on a binary framing
 * writes the payload's raw bytes after the event's other fields instead of base64 in JSON.
 */
public interface PayloadEvent extends SessionEvent {
    Payload payload();
}
