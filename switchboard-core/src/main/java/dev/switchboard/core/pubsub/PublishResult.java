package dev.switchboard.core.pubsub;

/**
 * The answer to {@link Broker#publish}.
 *
 * @param delivered how many subscriptions accepted the message, as {@link Broker#publish} defines
 *                  "delivered": a plain subscription counts once per subscriber, a queue group
 *                  once; zero means nobody took it (no listener, or every listener was full)
 * @param position  the publication's place in its channel's stream; {@link StreamPosition#NONE}
 *                  when the engine keeps none
 */
public record PublishResult(int delivered, StreamPosition position) {
    public PublishResult {
        if (delivered < 0) throw new IllegalArgumentException("delivered must not be negative: " + delivered);
        if (position == null) throw new IllegalArgumentException("position must not be null");
    }
}
