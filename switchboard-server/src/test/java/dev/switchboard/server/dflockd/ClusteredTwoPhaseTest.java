package dev.switchboard.server.dflockd;

/** {@link TwoPhaseTest} against a clustered node: the dflockd answers are the same on a cluster. */
class ClusteredTwoPhaseTest extends TwoPhaseTest implements SharedServer.Clustered {
}
