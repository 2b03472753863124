package dev.switchboard.core.pubsub;

import dev.switchboard.protocol.Payload;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Subscriptions by pattern, in a trie of subject tokens (as in the NATS server's sublist), for one
 * node. {@link InMemoryBroker} puts the {@link Broker} contract on it; the rules of who gets a
 * message are written there.
 *
 * <h2>Concurrency</h2>
 * Publishing takes no lock: children maps are concurrent, and each node publishes its members as
 * immutable arrays that a change replaces whole (a volatile write).
 *
 * <p>Changes lock only what they touch, so that subscribes and unsubscribes of unrelated patterns
 * run in parallel; there is no tree-wide lock. Two kinds of lock, always taken in this order:
 * <ol>
 *   <li>the subscriber's own record ({@link SubscriberState}), held for the whole of one
 *       subscribe or unsubscribe: this makes the cap check and the addition one step, and keeps
 *       the record and the trie in agreement for that subscriber;</li>
 *   <li>trie nodes, each guarding its own members, its children map (insertions and removals) and
 *       its {@code dead} flag. At most two are held at once, a parent and then its child, only to
 *       unlink the child.</li>
 * </ol>
 * Neither lock is held while a subscriber is offered a message.
 *
 * <p>Why a subscription added is always reachable, and why empty nodes are pruned, in four rules:
 * (1) a node is unlinked from its parent only with both locked, when it has no members and no
 * children, and it is marked {@code dead} then, for good; (2) a child is linked only under the
 * parent's lock, and never into a dead parent; (3) a member is added only under its node's lock,
 * and never to a dead node; (4) a subscribe that meets a dead node starts again from the root.
 * Then: holding a live node's lock, the node is in its parent's map (rule 1 would have marked it
 * dead); so the parent has a child and cannot be unlinked while that lasts, nor could it have been
 * before (it had that child since the child was linked, into a parent then alive by rule 2); by
 * induction the whole path up to the root is linked, and a member added there (rule 3) is found by
 * every publish that starts afterwards. Conversely, the last change that leaves a node empty (a
 * member removed from it, or its last child unlinked) is followed by an attempt to unlink it, by
 * the same thread, which then tries its parent: so once changes stop, no empty node stays linked,
 * and {@link #nodeCount()} is 0 when nobody listens.
 *
 * <p>A publisher walking a node that is being unlinked finds it empty, or finds members that were
 * being removed: it may offer a message to a subscription that is leaving, never miss one that
 * stays.
 */
final class TopicTree {
    private final Node root = new Node(false);
    /** Nodes below the root, for metrics. */
    private final AtomicInteger nodeCount = new AtomicInteger();
    private final Map<Subscriber, SubscriberState> bySubscriber = new ConcurrentHashMap<>();
    /** Subscribers passed over because their protocol cannot carry a message (see {@link Subscriber#accepts}). */
    private final LongAdder skipped = new LongAdder();
    /** Messages offered to the tree, and deliveries made: for an operator's throughput view. */
    private final LongAdder messagesPublished = new LongAdder();
    private final LongAdder messagesDelivered = new LongAdder();
    /** Told of each subscription added and removed (topic join/leave watches). */
    private volatile TopicMembership membership = TopicMembership.NONE;

    /** Who hears of subscriptions added and removed, from now on. */
    public void onMembership(TopicMembership listener) {
        this.membership = listener;
    }

    /**
     * Adds a subscription; idempotent for the same triple. Refuses (and adds nothing) when the
     * subscriber already has {@code maxPerSubscriber} subscriptions (0 or less = no cap).
     */
    public SubscribeResult subscribe(Subscriber subscriber, String pattern, String group, int maxPerSubscriber) {
        Subscription sub = new Subscription(subscriber, pattern, group);
        while (true) {
            SubscriberState state = bySubscriber.computeIfAbsent(subscriber, s -> new SubscriberState());
            synchronized (state) {
                if (state.retired) continue; // emptied and dropped meanwhile: take the new record
                if (state.subscriptions.contains(sub)) return SubscribeResult.ALREADY_SUBSCRIBED;
                if (maxPerSubscriber > 0 && state.subscriptions.size() >= maxPerSubscriber) {
                    return SubscribeResult.MAX_SUBSCRIPTIONS;
                }
                state.subscriptions.add(sub);
                addToTrie(sub);
                membership.joined(pattern, subscriber);
                return SubscribeResult.SUBSCRIBED;
            }
        }
    }

    /** Removes a subscription; a triple that does not exist is ignored. */
    public void unsubscribe(Subscriber subscriber, String pattern, String group) {
        Subscription sub = new Subscription(subscriber, pattern, group);
        while (true) {
            SubscriberState state = bySubscriber.get(subscriber);
            if (state == null) return;
            synchronized (state) {
                if (state.retired) continue;
                if (!state.subscriptions.remove(sub)) return;
                removeFromTrie(sub);
                membership.left(pattern, subscriber);
                if (state.subscriptions.isEmpty()) retire(subscriber, state);
                return;
            }
        }
    }

    public void unsubscribeAll(Subscriber subscriber) {
        while (true) {
            SubscriberState state = bySubscriber.get(subscriber);
            if (state == null) return;
            synchronized (state) {
                if (state.retired) continue;
                for (Subscription sub : state.subscriptions) {
                    removeFromTrie(sub);
                    membership.left(sub.pattern(), subscriber);
                }
                state.subscriptions.clear();
                retire(subscriber, state);
                return;
            }
        }
    }

    /** The subscriptions of one subscriber (a snapshot). */
    public List<Subscription> subscriptionsOf(Subscriber subscriber) {
        SubscriberState state = bySubscriber.get(subscriber);
        if (state == null) return List.of();
        synchronized (state) {
            return List.copyOf(state.subscriptions);
        }
    }

    public int subscriptionCount(Subscriber subscriber) {
        SubscriberState state = bySubscriber.get(subscriber);
        if (state == null) return 0;
        synchronized (state) {
            return state.subscriptions.size();
        }
    }

    /**
     * The subscriptions of exactly {@code pattern}: the count its node keeps, and up to
     * {@code maxMembers} of their subscribers. A walk down the pattern's tokens, lock-free.
     */
    public TopicPresence presence(String pattern, int maxMembers) {
        Node node = nodeOf(pattern);
        if (node == null) return TopicPresence.NOBODY;
        int count = node.memberCount;
        if (maxMembers <= 0 || count == 0) return new TopicPresence(count, List.of());
        List<Subscriber> members = new ArrayList<>(Math.min(count, maxMembers));
        for (Subscription sub : node.plain) {
            if (members.size() >= maxMembers) break;
            members.add(sub.subscriber());
        }
        for (Group g : node.groups.values()) {
            for (Subscriber m : g.members()) {
                if (members.size() >= maxMembers) break;
                members.add(m);
            }
        }
        return new TopicPresence(count, members);
    }

    /** Trie nodes in use (the root not counted): zero when nobody listens. */
    public int nodeCount() {
        return nodeCount.get();
    }

    /** Offers the message to every matching subscription (see {@link Broker}); returns how many took it. */
    public int publish(String channel, Payload payload) {
        return publish(new Signal(channel, payload));
    }

    /** {@link #publish(String, Payload)} of a signal made by the caller (with its stream position). */
    public int publish(Signal signal) {
        String channel = signal.channel();
        String[] tokens = channel.split("\\.", -1);
        List<Node> matches = new ArrayList<>();
        collect(root, tokens, 0, matches);
        messagesPublished.increment();
        for (Node node : matches) node.published.increment();
        int delivered = 0;
        // One signal object for every subscriber: encoded once per wire format.
        // A subscriber is in a node once, so de-duplication is needed only when several nodes match.
        Map<Subscriber, Boolean> plainSeen = matches.size() > 1 ? new IdentityHashMap<>() : null;
        // Exact patterns first, so that the de-duplication favours them.
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
                    if (g.deliver(signal, skipped)) delivered++;
                }
            }
        }
        messagesDelivered.add(delivered);
        return delivered;
    }

    /** Messages that matched {@code pattern} exactly as subscribed, while it was listened to; 0 when nobody listens. */
    public long published(String pattern) {
        Node node = nodeOf(pattern);
        return node == null ? 0 : node.published.sum();
    }

    /** The node of exactly {@code pattern} (a walk down its tokens, lock-free), or null. */
    private Node nodeOf(String pattern) {
        Node node = root;
        for (String token : pattern.split("\\.", -1)) {
            node = node.children.get(token);
            if (node == null) return null;
        }
        return node;
    }

    public MessageCounts messageCounts() {
        return new MessageCounts(messagesPublished.sum(), messagesDelivered.sum());
    }

    /** Every pattern and group with its number of listeners, sorted by pattern then group. */
    public List<ChannelListeners> channels() {
        Map<String, Map<String, Integer>> counts = new HashMap<>();
        for (SubscriberState state : bySubscriber.values()) {
            List<Subscription> subs;
            synchronized (state) {
                subs = List.copyOf(state.subscriptions);
            }
            for (Subscription s : subs) {
                counts.computeIfAbsent(s.pattern(), p -> new HashMap<>()).merge(s.group(), 1, Integer::sum);
            }
        }
        List<ChannelListeners> out = new ArrayList<>();
        counts.forEach((pattern, groups) -> groups.forEach((group, n) -> out.add(new ChannelListeners(pattern, group, n))));
        out.sort((a, b) -> a.pattern().equals(b.pattern()) ? a.group().compareTo(b.group()) : a.pattern().compareTo(b.pattern()));
        return out;
    }

    private void retire(Subscriber subscriber, SubscriberState state) {
        state.retired = true;
        bySubscriber.remove(subscriber, state);
    }

    /** Subscribers passed over so far because their protocol could not carry a message. */
    public long skipped() {
        return skipped.sum();
    }

    private boolean deliver(Subscriber s, Signal signal) {
        if (!s.accepts(signal)) {
            skipped.increment();
            return false;
        }
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

    /** Walks down (creating what is missing) and adds the member; starts again on meeting a dead node (rule 4). */
    private void addToTrie(Subscription sub) {
        String[] tokens = sub.pattern().split("\\.", -1);
        while (true) {
            Node node = root;
            for (String token : tokens) {
                node = childOf(node, token);
                if (node == null) break;
            }
            if (node == null) continue;
            synchronized (node) {
                if (node.dead) continue;
                node.add(sub);
                return;
            }
        }
    }

    /** The child for {@code token}, linked now if missing; null when {@code parent} is dead. */
    private Node childOf(Node parent, String token) {
        Node child = parent.children.get(token);
        if (child != null) return child;
        synchronized (parent) {
            if (parent.dead) return null;
            child = parent.children.get(token);
            if (child == null) {
                child = new Node(parent.wildcard || token.equals("*") || token.equals(">"));
                parent.children.put(token, child);
                nodeCount.incrementAndGet();
            }
            return child;
        }
    }

    /**
     * Takes a subscription out of its node, then unlinks the nodes of its path that became empty,
     * from the bottom up, stopping at the first that is not. The node is reachable: the caller
     * holds the subscriber's record, in which the subscription still was, so its node had a member
     * and could not have been unlinked.
     */
    private void removeFromTrie(Subscription sub) {
        String[] tokens = sub.pattern().split("\\.", -1);
        Node[] path = new Node[tokens.length + 1];
        path[0] = root;
        for (int i = 0; i < tokens.length; i++) {
            path[i + 1] = path[i].children.get(tokens[i]);
            if (path[i + 1] == null) {
                assert false : "subscription without its trie node: " + sub;
                return;
            }
        }
        Node leaf = path[tokens.length];
        synchronized (leaf) {
            leaf.remove(sub);
        }
        for (int i = tokens.length; i > 0; i--) {
            if (!unlinkIfEmpty(path[i - 1], tokens[i - 1], path[i])) return;
        }
    }

    /** Unlinks {@code child} from {@code parent} when it has no members and no children (rule 1). */
    private boolean unlinkIfEmpty(Node parent, String token, Node child) {
        synchronized (parent) {
            synchronized (child) {
                if (child.dead || !child.isEmpty() || parent.children.get(token) != child) return false;
                parent.children.remove(token);
                child.dead = true;
                nodeCount.decrementAndGet();
                return true;
            }
        }
    }

    /** One subscriber's subscriptions; guarded by its own monitor. */
    private static final class SubscriberState {
        final Set<Subscription> subscriptions = new LinkedHashSet<>();
        /** Emptied and removed from the map: a caller that still holds it looks the subscriber up again. */
        boolean retired;
    }

    /**
     * A trie node; the members of the pattern that ends here. It is a wildcard node when a token
     * on its path is a wildcard, so that exact patterns come first in {@link #publish}. Changes
     * are made under its monitor (see the class comment); reads are lock-free.
     */
    private static final class Node {
        final Map<String, Node> children = new ConcurrentHashMap<>();
        final boolean wildcard;
        volatile Subscription[] plain = new Subscription[0];
        volatile Map<String, Group> groups = Map.of();
        /** Subscriptions ending here, plain and grouped: kept as they come and go, so that counting never walks them. */
        volatile int memberCount;
        /** Published messages that matched this node's members (an operator's per-topic rate). */
        final LongAdder published = new LongAdder();
        /** Unlinked from its parent; never reused. */
        boolean dead;

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

        /** Under the node's monitor; the subscriber's record guarantees the subscription is new here. */
        void add(Subscription sub) {
            memberCount++;
            if (!sub.grouped()) {
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

        /** Under the node's monitor; the subscriber's record guarantees the subscription is here. */
        void remove(Subscription sub) {
            memberCount--;
            if (!sub.grouped()) {
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

        boolean deliver(Signal signal, LongAdder skipped) {
            int n = members.length;
            int start = Math.floorMod(cursor.getAndIncrement(), n);
            int refused = -1;
            for (int i = 0; i < n; i++) {
                Subscriber m = members[(start + i) % n];
                if (!m.accepts(signal)) continue; // cannot carry it: the turn passes, nobody is slow
                if (m.offer(signal)) return true;
                if (refused < 0) refused = (start + i) % n;
            }
            if (refused < 0) {
                skipped.increment(); // no member could carry it
                return false;
            }
            // Every member that could take it is full: the first of them in turn is disconnected.
            members[refused].evictSlow();
            return false;
        }
    }
}
