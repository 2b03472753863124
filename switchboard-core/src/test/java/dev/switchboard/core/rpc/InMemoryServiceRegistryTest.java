package dev.switchboard.core.rpc;

/** The node's own registry against the contract every engine must keep. */
class InMemoryServiceRegistryTest extends ServiceRegistryContract {
    @Override
    protected ServiceRegistry newRegistry(int maxPerEndpoint, int maxTotal) {
        return new InMemoryServiceRegistry(maxPerEndpoint, maxTotal);
    }
}
