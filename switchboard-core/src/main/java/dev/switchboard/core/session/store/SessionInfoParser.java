package dev.switchboard.core.session.store;

import java.util.Map;

/**
 * Turns what is stored about a session into the embedding application's own type (a user, a
 * tenant, a set of permissions), so that application code works with that type rather than with
 * raw attribute strings. Called on the thread that needs the value; implementations are
 * stateless or thread-safe, and throw {@link IllegalArgumentException} for attributes they
 * cannot make sense of.
 *
 * @param <T> the application's session type
 */
@FunctionalInterface
public interface SessionInfoParser<T> {
    T parse(SessionRecord record);

    /** The default: the record's attributes as they are (an immutable, insertion-ordered map). */
    static SessionInfoParser<Map<String, String>> attributes() {
        return SessionRecord::attributes;
    }
}
