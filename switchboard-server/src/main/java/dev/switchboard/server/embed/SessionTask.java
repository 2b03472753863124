package dev.switchboard.server.embed;

/** The embedding program's code run by {@code executeInSession}, given the session. */
@FunctionalInterface
public interface SessionTask<T> {
    T run(SessionHandle session) throws Exception;
}
