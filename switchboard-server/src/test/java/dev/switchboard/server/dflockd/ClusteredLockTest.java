package dev.switchboard.server.dflockd;

/** {@link LockTest} against a clustered node: the dflockd answers are the same on a cluster. */
class ClusteredLockTest extends LockTest implements SharedServer.Clustered {
}
