package dev.switchboard.core.rpc;

import java.util.List;

/**
 * One service of a node for an operator's view: its pattern, its queue group ("" for a service
 * of one endpoint) and the ids of its members, in the order they registered.
 */
public record ServiceListing(String pattern, String group, List<String> endpointIds) {
}
