package dev.switchboard.server.transport.dflockd;

/** Marker from the decoder: a line passed its cap (dflockd error 12); the connection must end. */
enum LineTooLong {
    INSTANCE
}
