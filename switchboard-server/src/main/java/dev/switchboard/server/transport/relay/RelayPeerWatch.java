package dev.switchboard.server.transport.relay;

import dev.switchboard.core.relay.PeerDirectory;
import dev.switchboard.core.relay.PresenceSettings;
import dev.switchboard.core.relay.PresenceSink;
import dev.switchboard.core.relay.PresenceStream;
import dev.switchboard.protocol.relay.RelayMessageType;
import dev.switchboard.protocol.relay.RelayPeerId;
import dev.switchboard.protocol.relay.RelayPeerStates;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One relay connection's peer-state subscriptions (SubscribePeerState / UnsubscribePeerState),
 * as presence watches on the peer directory: PeersOnline for the subscribed peers online now and
 * as they come, PeersWentOffline as they go, in chunks of at most 244 ids, until unsubscribed.
 * Each Subscribe message's new ids make one watch. At most {@code maxIdsPerWatch} ids are
 * subscribed per connection (the native watch's bound). All on the connection's event loop.
 */
final class RelayPeerWatch {
    private final PeerDirectory directory;
    private final EventLoop loop;
    private final PresenceSettings limits;
    private final Consumer<RelayPeerStates> send;
    private final Runnable queueOverflowed;
    /** Subscribed peer id (printed) to the watch that tells of it. */
    private final Map<String, Watch> byId = new HashMap<>();

    RelayPeerWatch(PeerDirectory directory, EventLoop loop, PresenceSettings limits, Consumer<RelayPeerStates> send,
                   Runnable queueOverflowed) {
        this.directory = directory;
        this.loop = loop;
        this.limits = limits;
        this.send = send;
        this.queueOverflowed = queueOverflowed;
    }

    /** Outcome of a Subscribe. */
    enum Subscribed { OK, TOO_MANY_IDS, REFUSED }

    Subscribed subscribe(List<RelayPeerId> ids) {
        Set<String> fresh = new LinkedHashSet<>();
        List<String> onlineAlready = new ArrayList<>();
        for (RelayPeerId id : ids) {
            String printed = id.toString();
            if (!byId.containsKey(printed)) fresh.add(printed);
            else if (directory.find(printed).isPresent()) onlineAlready.add(printed); // the original answers these again
        }
        if (byId.size() + fresh.size() > limits.maxIdsPerWatch()) return Subscribed.TOO_MANY_IDS;
        List<String> online = new ArrayList<>(onlineAlready);
        if (!fresh.isEmpty()) {
            Watch watch = new Watch(fresh);
            PresenceStream.Opened opened = watch.stream.open(l -> directory.watch(List.copyOf(fresh), l));
            if (opened.refused() != null) return Subscribed.REFUSED;
            fresh.forEach(id -> byId.put(id, watch));
            watch.toldOnline.addAll(opened.online());
            online.addAll(opened.online());
            tell(RelayMessageType.PEERS_ONLINE, online);
            watch.stream.start(); // after the snapshot: changes follow it
        } else {
            tell(RelayMessageType.PEERS_ONLINE, online);
        }
        return Subscribed.OK;
    }

    void unsubscribe(List<RelayPeerId> ids) {
        for (RelayPeerId id : ids) {
            Watch watch = byId.remove(id.toString());
            if (watch != null && watch.ids.remove(id.toString()) && watch.ids.isEmpty()) watch.stream.close();
        }
    }

    void closeAll() {
        new HashSet<>(byId.values()).forEach(w -> w.stream.close());
        byId.clear();
    }

    int subscribed() {
        return byId.size();
    }

    private void tell(RelayMessageType type, List<String> printedIds) {
        if (printedIds.isEmpty()) return;
        List<RelayPeerId> ids = new ArrayList<>(printedIds.size());
        for (String printed : printedIds) ids.add(parse(printed));
        RelayPeerStates.chunked(type, ids).forEach(send);
    }

    private static RelayPeerId parse(String printed) {
        try {
            return RelayPeerId.parse(printed);
        } catch (dev.switchboard.protocol.relay.RelayProtocolException e) {
            throw new IllegalStateException("a watched id is always a relay id: " + printed, e);
        }
    }

    /** One Subscribe's new ids and their presence stream; its sink runs on the event loop. */
    private final class Watch implements PresenceSink {
        final Set<String> ids;
        final Set<String> toldOnline = new HashSet<>();
        final PresenceStream stream;
        private boolean resyncing;

        Watch(Set<String> ids) {
            this.ids = new HashSet<>(ids);
            this.stream = new PresenceStream(this, loop, limits.maxQueuedPerWatch(), RelayPeerStates.MAX_IDS_PER_MESSAGE, queueOverflowed);
        }

        @Override
        public void changes(List<String> online, List<String> offline) {
            List<String> wentOffline = new ArrayList<>(offline);
            if (resyncing) {
                // The protocol has no "forget": tell who went while changes were dropped.
                resyncing = false;
                Set<String> now = new HashSet<>(online);
                for (String id : toldOnline) if (!now.contains(id)) wentOffline.add(id);
            }
            List<String> cameOnline = new ArrayList<>();
            for (String id : online) if (ids.contains(id) && toldOnline.add(id)) cameOnline.add(id);
            List<String> left = new ArrayList<>();
            for (String id : wentOffline) if (ids.contains(id) && toldOnline.remove(id)) left.add(id);
            tell(RelayMessageType.PEERS_ONLINE, cameOnline);
            tell(RelayMessageType.PEERS_WENT_OFFLINE, left);
        }

        @Override
        public void resync() {
            resyncing = true;
        }
    }
}
