package dev.switchboard.server.dflockd;

/** {@link SignalTest} against a clustered node: the dflockd answers are the same on a cluster. */
class ClusteredSignalTest extends SignalTest implements SharedServer.Clustered {
}
