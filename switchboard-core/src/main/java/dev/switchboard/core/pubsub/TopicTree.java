package dev.switchboard.core.pubsub;

import dev.switchboard.protocol.Payload;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Subscriptions by pattern, in a trie of subject tokens (as in the NATS server's sublist).
 *
 * <p>Changes are made by one writer at a time (a lock taken only by subscribe and unsubscribe);
 * publishing reads the trie without locking, because every node publishes its members as
 * immutable arrays that a change replaces whole.
 *
 * <p>Delivery of one message: every plain subscriber of an exact pattern; one member of each
 * queue group on an exact pattern, round-robin; every plain subscriber of a wildcard pattern
 * that has not already got the message through another plain subscription; one member of each
 * wildcard queue group. Groups are independent of each other and of that de-duplication.
 *
 * <p>A node left with no members and no children is unlinked from its parent when its last
 * subscription goes, so that per-job channel names do not grow the heap: the trie holds only the
 * paths of patterns someone listens to. A publisher still walking an unlinked node finds it empty.
 */
public final class TopicTree {
    private final Node root = new Node(false);
    private final ReentrantLock writeLock = new ReentrantLock();
    /** Nodes below the root; changed under the write lock, read by metrics. */
    private volatile int nodeCount;
    private final Map<Subscriber, Set<Subscription>> bySubscriber = new ConcurrentHashMap<>();

    /** One (subscriber, pattern, group) triple; {@code group} is empty for none. */
    public record Subscription(Subscriber subscriber, String pattern, String group) {
    }

    /** The listeners of one pattern and group, for stats. */
    public record ChannelInfo(String pattern, String group, int listeners) {
    }

    /**
     * Adds a subscription; idempotent for the same triple. Returns false (and adds nothing) when the
     * subscriber already has {@code maxPerSubscriber} subscriptions (0 = unlimited).
     */
    public boolean subscribe(Subscriber subscriber, String pattern, String group, int maxPerSubscriber) {
        Subscription sub = new Subscription(subscriber, pattern, group == null ? "" : group);
        writeLock.lock();
        try {
            Set<Subscription> mine = bySubscriber.computeIfAbsent(subscriber, s -> ConcurrentHashMap.newKeySet());
            if (mine.contains(sub)) return true;
            if (maxPerSubscriber > 0 && mine.size() >= maxPerSubscriber) return false;
            mine.add(sub);
            nodeFor(pattern, true).add(sub);
            return true;
        } finally {
            writeLock.unlock();
        }
    }

    /** Removes a subscription; a triple that does not exist is ignored. */
    public void unsubscribe(Subscriber subscriber, String pattern, String group) {
        Subscription sub = new Subscription(subscriber, pattern, group == null ? "" : group);
        writeLock.lock();
        try {
            Set<Subscription> mine = bySubscriber.get(subscriber);
            if (mine == null || !mine.remove(sub)) return;
            if (mine.isEmpty()) bySubscriber.remove(subscriber);
            removeFromTrie(sub);
        } finally {
            writeLock.unlock();
        }
    }

    public void unsubscribeAll(Subscriber subscriber) {
        writeLock.lock();
        try {
            Set<Subscription> mine = bySubscriber.remove(subscriber);
            if (mine == null) return;
            for (Subscription sub : mine) removeFromTrie(sub);
        } finally {
            writeLock.unlock();
        }
    }

    /** The subscriptions of one subscriber (a snapshot). */
    public List<Subscription> subscriptionsOf(Subscriber subscriber) {
        Set<Subscription> mine = bySubscriber.get(subscriber);
        return mine == null ? List.of() : List.copyOf(mine);
    }

    /** Trie nodes in use (the root not counted): zero when nobody listens. */
    public int nodeCount() {
        return nodeCount;
    }

    public int subscriptionCount(Subscriber subscriber) {
        Set<Subscription> mine = bySubscriber.get(subscriber);
        return mine == null ? 0 : mine.size();
    }

    /** {@link #publish(String, Payload)} of a text payload. */
    public int publish(String channel, String payload) {
        return publish(channel, Payload.ofUtf8(payload));
    }

    /** Delivers to every matching subscription (see the class comment); returns the number of deliveries. */
    public int publish(String channel, Payload payload) {
        String[] tokens = channel.split("\\.", -1);
        List<Node> matches = new ArrayList<>();
        collect(root, tokens, 0, matches);
        int delivered = 0;
        Signal signal = new Signal(channel, payload); // one object for every subscriber: encoded once per wire format
        // A subscriber is in a node once, so de-duplication is needed only when several nodes match.
        Map<Subscriber, Boolean> plainSeen = matches.size() > 1 ? new IdentityHashMap<>() : null;
        // Exact patterns first, so that the de-duplication favours them as described above.
        for (int pass = 0; pass < 2; pass++) {
            boolean wildcardPass = pass == 1;
            for (Node node : matches) {
                if (node.wildcard != wildcardPass) continue;
                for (Subscription sub : node.plain) {
                    if ((plainSeen == null || plainSeen.put(sub.subscriber(), Boolean.TRUE) == null) && deliver(sub.subscriber(), signal)) {
                        delivered++;
                    }
                }
                for (Group g : node.groups.values()) {
                    if (g.deliver(signal)) delivered++;
                }
            }
        }
        return delivered;
    }

    /** Every pattern and group with its number of listeners, sorted by pattern then group. */
    public List<ChannelInfo> channels() {
        Map<String, Map<String, Integer>> counts = new HashMap<>();
        for (Set<Subscription> subs : bySubscriber.values()) {
            for (Subscription s : subs) {
                counts.computeIfAbsent(s.pattern(), p -> new HashMap<>()).merge(s.group(), 1, Integer::sum);
            }
        }
        List<ChannelInfo> out = new ArrayList<>();
        counts.forEach((pattern, groups) -> groups.forEach((group, n) -> out.add(new ChannelInfo(pattern, group, n))));
        out.sort((a, b) -> a.pattern().equals(b.pattern()) ? a.group().compareTo(b.group()) : a.pattern().compareTo(b.pattern()));
        return out;
    }

    private static boolean deliver(Subscriber s, Signal signal) {
        if (s.offer(signal)) return true;
        s.evictSlow();
        return false;
    }

    private static void collect(Node node, String[] tokens, int i, List<Node> out) {
        if (i == tokens.length) {
            if (node.hasMembers()) out.add(node);
            return;
        }
        Node gt = node.children.get(">");
        if (gt != null && gt.hasMembers()) out.add(gt);
        Node star = node.children.get("*");
        if (star != null) collect(star, tokens, i + 1, out);
        Node exact = node.children.get(tokens[i]);
        if (exact != null && !tokens[i].equals("*") && !tokens[i].equals(">")) collect(exact, tokens, i + 1, out);
    }

    private Node nodeFor(String pattern, boolean create) {
        Node node = root;
        for (String token : pattern.split("\\.", -1)) {
            Node next = node.children.get(token);
            if (next == null) {
                if (!create) return null;
                next = new Node(node.wildcard || token.equals("*") || token.equals(">"));
                node.children.put(token, next);
                nodeCount++;
            }
            node = next;
        }
        return node;
    }

    /** Takes a subscription out of its node, then unlinks the nodes of its path that became empty. */
    private void removeFromTrie(Subscription sub) {
        String[] tokens = sub.pattern().split("\\.", -1);
        Node[] path = new Node[tokens.length + 1];
        path[0] = root;
        for (int i = 0; i < tokens.length; i++) {
            path[i + 1] = path[i].children.get(tokens[i]);
            if (path[i + 1] == null) return;
        }
        path[tokens.length].remove(sub);
        for (int i = tokens.length; i > 0 && path[i].isEmpty(); i--) {
            path[i - 1].children.remove(tokens[i - 1]);
            nodeCount--;
        }
    }

    /**
     * A trie node; the members of the pattern that ends here. It is a wildcard node when a token
     * on its path is a wildcard, so that exact patterns come first in {@link #publish}.
     */
    private static final class Node {
        final Map<String, Node> children = new ConcurrentHashMap<>();
        final boolean wildcard;
        volatile Subscription[] plain = new Subscription[0];
        volatile Map<String, Group> groups = Map.of();

        Node(boolean wildcard) {
            this.wildcard = wildcard;
        }

        boolean hasMembers() {
            return plain.length > 0 || !groups.isEmpty();
        }

        /** No members and no children: nothing would be lost by unlinking it. */
        boolean isEmpty() {
            return !hasMembers() && children.isEmpty();
        }

        void add(Subscription sub) {
            if (sub.group().isEmpty()) {
                Subscription[] next = Arrays.copyOf(plain, plain.length + 1);
                next[plain.length] = sub;
                plain = next;
            } else {
                Map<String, Group> next = new HashMap<>(groups);
                Group g = next.get(sub.group());
                next.put(sub.group(), g == null ? new Group(new Subscriber[] {sub.subscriber()}, new AtomicInteger())
                        : g.with(sub.subscriber()));
                groups = Map.copyOf(next);
            }
        }

        void remove(Subscription sub) {
            if (sub.group().isEmpty()) {
                plain = Arrays.stream(plain).filter(s -> !s.equals(sub)).toArray(Subscription[]::new);
            } else {
                Group g = groups.get(sub.group());
                if (g == null) return;
                Map<String, Group> next = new HashMap<>(groups);
                Group smaller = g.without(sub.subscriber());
                if (smaller == null) next.remove(sub.group());
                else next.put(sub.group(), smaller);
                groups = Map.copyOf(next);
            }
        }
    }

    /** A queue group: each message goes to one member, round-robin; a full member is skipped. */
    private record Group(Subscriber[] members, AtomicInteger cursor) {
        Group with(Subscriber s) {
            Subscriber[] next = Arrays.copyOf(members, members.length + 1);
            next[members.length] = s;
            return new Group(next, cursor);
        }

        Group without(Subscriber s) {
            Subscriber[] next = Arrays.stream(members).filter(m -> m != s).toArray(Subscriber[]::new);
            return next.length == 0 ? null : new Group(next, cursor);
        }

        boolean deliver(Signal signal) {
            int n = members.length;
            int start = Math.floorMod(cursor.getAndIncrement(), n);
            for (int i = 0; i < n; i++) {
                if (members[(start + i) % n].offer(signal)) return true;
            }
            // Every member is full: the one whose turn it was is disconnected.
            members[start].evictSlow();
            return false;
        }
    }
}
