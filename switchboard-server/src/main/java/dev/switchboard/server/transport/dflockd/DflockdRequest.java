package dev.switchboard.server.transport.dflockd;

/** One dflockd request: its three lines, with any trailing {@code \r} already stripped. */
record DflockdRequest(String command, String key, String arg) {
}
