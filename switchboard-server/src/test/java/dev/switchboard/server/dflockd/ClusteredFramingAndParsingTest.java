package dev.switchboard.server.dflockd;

/** {@link FramingAndParsingTest} against a clustered node: the dflockd answers are the same on a cluster. */
class ClusteredFramingAndParsingTest extends FramingAndParsingTest implements SharedServer.Clustered {
}
