package dev.switchboard.client;

import dev.switchboard.protocol.Ops;
import dev.switchboard.protocol.Payload;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;

/**
 * A client of a Switchboard server speaking the native JSON protocol (version 1).
 *
 * <pre>{@code
 * try (SwitchboardClient client = SwitchboardClient.connect("127.0.0.1", 6388);
 *      Lock lock = client.lock("orders")) {
 *     if (lock.acquire(Duration.ofSeconds(5))) {
 *         write(lock.fence().getAsLong());
 *     }
 * }
 * }</pre>
 *
 * <p>Thread-safe. Requests are pipelined on one connection and matched to their answers by id, so
 * a blocking acquire does not hold up other calls. Every operation has an {@code ...Async} form
 * returning a {@link CompletableFuture}, completed on the connection's I/O thread (do not block in
 * its callbacks), and a blocking form. A lock wait that runs out is a normal outcome
 * ({@link Optional#empty()}); server errors are {@link SwitchboardException} subclasses.
 *
 * <h2>Sessions outlive connections</h2>
 *
 * <p>The server keeps a session for its grace period ({@code --session-grace}) after its
 * connection ends. When the connection drops, the client reconnects by itself (unless
 * {@link Builder#reconnect(boolean) reconnect(false)}), with exponential backoff and full jitter
 * ({@link Builder#reconnectBackoff}), and resumes the session with its resume key and the
 * sequence number of the last event it delivered; the server then replays the events missed in
 * between, so {@linkplain Builder#onSignal signal listeners} see every signal once and in order
 * across reconnects. What happened is reported to {@linkplain Builder#onStateChange state
 * listeners} as {@link ConnectionEvent}s: {@code DISCONNECTED}, then {@code RESUMED} (with
 * {@code recovered == false} when the server's replay buffer had dropped some events) or
 * {@code SESSION_LOST} (the old session had ended: a new one is in use, its locks are reported
 * lost through every {@link Lock}'s {@link LockLostListener}, and subscriptions must be made
 * again), and {@code CLOSED} when the client stops for good. A session closed by the server
 * because a newer session of the same identity took its peer id ({@code replaced}) is not
 * reconnected: the client stops ({@code CLOSED} with code {@code replaced}).
 *
 * <p>Requests and connection loss:
 * <ul>
 *   <li>Requests <b>in flight</b> when the connection drops fail at once with
 *       {@link ConnectionClosedException} (code {@code disconnected}): the client cannot know
 *       whether the server acted on them.</li>
 *   <li>Requests <b>issued while reconnecting wait</b> for the new connection and are sent on it
 *       (in the order they were issued), within their usual timeout (the request timeout, plus
 *       the lock wait for acquires). When no connection is back in time they fail with
 *       {@link ConnectionClosedException} (code {@code disconnected}) and were never sent, so they
 *       are safe to retry.</li>
 *   <li>Once the client is closed (or reconnecting is off and the connection dropped, or it gave
 *       up), every request fails at once with {@link ConnectionClosedException}.</li>
 * </ul>
 */
public final class SwitchboardClient implements AutoCloseable {
    // The API below delegates each job to one class: the connection's life and reconnects
    // (ConnectionLifecycle), requests across reconnects (RequestRouter), what resuming needs
    // (SessionState), listeners (EventDispatcher), and the lock and signal operations.
    private final ClientSettings settings;
    private final SessionState session = new SessionState();
    private final EventDispatcher events;
    private final ConnectionLifecycle lifecycle;
    private final RequestRouter requests;
    private final LockRequests locks;
    private final SignalRequests signals;
    private final RpcRequests rpc;
    private final ServiceHandlers services;
    private final TopicSubscriptions topics;
    private final TokenRefresher tokens;
    private final PresenceWatches presence;
    private final SessionAttributes attributes;
    private final RelayReceipts receipts;

    /** The transport the client's connections run on: "epoll" or "nio" (for tests and diagnostics). */
    String ioTransport() {
        return ClientTransport.name(lifecycle.loop());
    }

    private SwitchboardClient(EventLoopGroup ownedGroup, EventLoop loop, ClientSettings settings) {
        this.settings = settings;
        this.events = new EventDispatcher(session, settings);
        // Every connection of this client runs on this one loop: timers, lastSeq and the
        // reconnect state need no other synchronisation, and Lock timers survive reconnects.
        this.lifecycle = new ConnectionLifecycle(settings, ownedGroup, loop, session, events);
        this.requests = lifecycle.requests();
        this.locks = new LockRequests(requests, settings.requestTimeout());
        this.signals = new SignalRequests(requests, settings.requestTimeout());
        StreamCalls streams = new StreamCalls(events::inOrder);
        this.rpc = new RpcRequests(requests, settings.requestTimeout(), streams);
        events.onChunks(streams::onChunk);
        this.services = new ServiceHandlers(requests, settings.requestTimeout(), settings.callbackExecutor(), this::await);
        this.topics = new TopicSubscriptions(requests, settings.requestTimeout(), events::inOrder, this::await);
        events.onRequests(services::onRequest);
        events.onMessages(topics::onMessage);
        this.tokens = new TokenRefresher(settings.refreshTokens() ? settings.tokens() : null, requests, settings.requestTimeout(), settings.callbackExecutor());
        events.onTokenExpiring(tokens::onExpiring);
        lifecycle.addSessionReplacedListener(services::sessionReplaced);
        lifecycle.addSessionReplacedListener(topics::sessionReplaced);
        this.presence = new PresenceWatches(requests, settings.requestTimeout(), events::inOrder, this::await);
        events.onPresence(presence::onEvent);
        lifecycle.addSessionReplacedListener(presence::sessionReplaced);
        this.receipts = new RelayReceipts(requests, settings.requestTimeout());
        events.onReceipts(receipts::onReceipt);
        events.onPeerMessageHandled(receipts::acknowledge);
        lifecycle.addSessionEndListener(receipts::sessionEnded);
        events.onGap(receipts::eventsLost);
        events.addStateListener(e -> {
            if (e.isGap()) {
                receipts.eventsLost();
            }
        });
        this.attributes = new SessionAttributes(requests, settings.requestTimeout());
        lifecycle.addSessionReplacedListener(attributes::sessionReplaced);
    }

    /** Connects with default settings and does the handshake. */
    public static SwitchboardClient connect(String host, int port) {
        return builder().host(host).port(port).connect();
    }

    public static Builder builder() {
        return new Builder();
    }

    // ---------------------------------------------------------------- session information

    /** The session id the server assigned (32 lowercase hex); changes after {@code SESSION_LOST}. */
    public String sessionId() {
        return session.welcome().sessionId();
    }

    public int protocolVersion() {
        return session.welcome().protocol();
    }

    /** The server's {@code switchboard/<version>} string. */
    public String serverVersion() {
        return session.welcome().server();
    }

    /** How often the server pings an idle connection; zero when heartbeats are off. */
    public Duration heartbeatInterval() {
        return session.welcome().heartbeat();
    }

    public ServerLimits limits() {
        return session.welcome().limits();
    }

    /** What the server says of this session now: state, attributes, connections ({@code session.info}). */
    public CompletableFuture<SessionInfo> sessionInfoAsync() {
        return attributes.info();
    }

    public SessionInfo sessionInfo() {
        return await(sessionInfoAsync());
    }

    /**
     * Sets the session's attributes ({@code session.set}): small strings that travel with the
     * session — across resumes, graceful restarts and into the admin listing (at most 32, keys of
     * 1–64 characters of {@code [A-Za-z0-9_.-]}, values up to 1024 bytes). A key mapped to null is
     * removed; the change is all or nothing ({@link InvalidArgumentException} names what is wrong,
     * a {@code server.} key included: those are the embedding server's). Completes with the
     * session as it is after the change. What the client set is set again on a new session after
     * {@code SESSION_LOST}.
     */
    public CompletableFuture<SessionInfo> setSessionAttributesAsync(Map<String, String> changes) {
        return attributes.set(Objects.requireNonNull(changes, "changes"));
    }

    public SessionInfo setSessionAttributes(Map<String, String> changes) {
        return await(setSessionAttributesAsync(changes));
    }

    /** True while a connection is up (false while reconnecting and after close). */
    public boolean isConnected() {
        return lifecycle.isConnected();
    }

    /** The sequence number of the last session event handed to the application (0 = none yet). */
    public long lastSeq() {
        return session.lastSeq();
    }

    /**
     * Completes (with the reason) when the client stops for good: {@link #close()}, or the
     * connection ended and reconnecting is off or gave up. A connection that drops and is
     * replaced by a reconnect does not complete it.
     */
    public CompletableFuture<ConnectionClosedException> closeFuture() {
        return lifecycle.terminated().thenApply(e -> e);
    }

    /** The client-side limit on waiting for an answer; blocking operations add their own wait to it. */
    public Duration requestTimeout() {
        return settings.requestTimeout();
    }

    /** Adds a state listener (see {@link Builder#onStateChange}); it sees events from now on. */
    public void addStateListener(Consumer<ConnectionEvent> listener) {
        events.addStateListener(listener);
    }

    public void removeStateListener(Consumer<ConnectionEvent> listener) {
        events.removeStateListener(listener);
    }

    /** Adds a signal listener (see {@link Builder#onSignal}); it sees signals delivered from now on. */
    public void addSignalListener(Consumer<Signal> listener) {
        events.addSignalListener(listener);
    }

    public void removeSignalListener(Consumer<Signal> listener) {
        events.removeSignalListener(listener);
    }

    // ---------------------------------------------------------------- locks and semaphores

    /** A lock helper with the default options (server default lease, background renewal). */
    public Lock lock(String key) {
        return new Lock(this, Resource.lock(key), LockOptions.defaults());
    }

    public Lock lock(String key, LockOptions options) {
        return new Lock(this, Resource.lock(key), options);
    }

    /** A semaphore helper; every user of {@code key} must pass the same {@code limit}. */
    public Lock semaphore(String key, int limit) {
        return new Lock(this, Resource.semaphore(key, limit), LockOptions.defaults());
    }

    public Lock semaphore(String key, int limit, LockOptions options) {
        return new Lock(this, Resource.semaphore(key, limit), options);
    }

    /**
     * Waits up to {@code timeout} for a slot ({@code lock.acquire}/{@code sem.acquire}).
     *
     * @param lease the lease to ask for; null = the server's default
     * @return the grant, or empty when the wait ran out
     */
    public CompletableFuture<Optional<Grant>> acquireAsync(Resource resource, Duration timeout, Duration lease) {
        return locks.acquire(resource, timeout, lease, false).async();
    }

    public Optional<Grant> acquire(Resource resource, Duration timeout, Duration lease) {
        // The blocking forms wait on the answer themselves, within the limit the async form's
        // timer would apply: nothing to schedule on the I/O thread per call.
        return awaitAnswer(locks.acquire(resource, timeout, lease, true), locks.limit(timeout), resource.kind().acquireOp);
    }

    public Optional<Grant> acquire(Resource resource, Duration timeout) {
        return acquire(resource, timeout, null);
    }

    /** Takes a free slot or returns empty at once (an acquire with timeout 0). */
    public CompletableFuture<Optional<Grant>> tryAcquireAsync(Resource resource, Duration lease) {
        return acquireAsync(resource, Duration.ZERO, lease);
    }

    public Optional<Grant> tryAcquire(Resource resource, Duration lease) {
        return acquire(resource, Duration.ZERO, lease);
    }

    public Optional<Grant> tryAcquire(Resource resource) {
        return tryAcquire(resource, null);
    }

    /**
     * First phase of a two-phase acquire: joins the queue without waiting, or takes the slot at
     * once (its lease then runs already). Follow a queued result with {@link #awaitGrant}.
     */
    public CompletableFuture<EnqueueResult> enqueueAsync(Resource resource, Duration lease) {
        return locks.enqueue(resource, lease, false).async();
    }

    public EnqueueResult enqueue(Resource resource, Duration lease) {
        return awaitAnswer(locks.enqueue(resource, lease, true), settings.requestTimeout(), resource.kind().enqueueOp);
    }

    public EnqueueResult enqueue(Resource resource) {
        return enqueue(resource, null);
    }

    /**
     * Second phase: waits up to {@code timeout} for the slot enqueued earlier by this session
     * ({@code lock.wait}/{@code sem.wait}); the lease restarts at the grant. A wait that runs out
     * leaves the queue. Named {@code awaitGrant} because {@code wait} belongs to {@link Object}.
     */
    public CompletableFuture<Optional<Grant>> awaitGrantAsync(Resource resource, Duration timeout) {
        return locks.awaitGrant(resource, timeout, false).async();
    }

    public Optional<Grant> awaitGrant(Resource resource, Duration timeout) {
        return awaitAnswer(locks.awaitGrant(resource, timeout, true), locks.limit(timeout), resource.kind().waitOp);
    }

    /**
     * Extends a grant's lease to {@code lease} from now.
     *
     * @param lease null = the server's default lease (not the lease of the grant, as in dflockd)
     * @return the lease that now applies
     */
    public CompletableFuture<Duration> renewAsync(Resource resource, String token, Duration lease) {
        return locks.renew(resource, token, lease, false).async();
    }

    public Duration renew(Resource resource, String token, Duration lease) {
        return awaitAnswer(locks.renew(resource, token, lease, true), settings.requestTimeout(), resource.kind().renewOp);
    }

    /** Renews for the same lease the grant carries. */
    public Duration renew(Grant grant) {
        return renew(grant.resource(), grant.token(), grant.lease());
    }

    /** Frees the slot held by {@code token} (any session may release a token it knows). */
    public CompletableFuture<Void> releaseAsync(Resource resource, String token) {
        return locks.release(resource, token, false).async();
    }

    public void release(Resource resource, String token) {
        awaitAnswer(locks.release(resource, token, true), settings.requestTimeout(), resource.kind().releaseOp);
    }

    public void release(Grant grant) {
        release(grant.resource(), grant.token());
    }

    /**
     * Ends this session's pending acquire or {@link #awaitGrant wait} on {@code resource}
     * ({@code lock.cancel}/{@code sem.cancel}): each fails with {@link WaitCancelledException} and
     * leaves the queue, as after a timeout; a slot already held or a two-phase place with no wait
     * pending stays. Completes with how many ended. For a call of another thread, or from the
     * async API; a blocking caller's own wait cannot cancel itself.
     */
    public CompletableFuture<Integer> cancelAsync(Resource resource) {
        return locks.cancel(resource, false).async();
    }

    public int cancel(Resource resource) {
        return awaitAnswer(locks.cancel(resource, true), settings.requestTimeout(), resource.kind().cancelOp);
    }

    // ---------------------------------------------------------------- misc operations

    /** The server's stats object (same shape as dflockd's {@code stats}). */
    public CompletableFuture<JsonNode> statsAsync() {
        return requests.send(Messages.bare(Ops.STATS), settings.requestTimeout(), null).thenApply(Answer::tree);
    }

    public JsonNode stats() {
        return await(statsAsync());
    }

    /** Round trip to the server; completes with the measured time. */
    public CompletableFuture<Duration> pingAsync() {
        long start = System.nanoTime();
        return requests.send(Messages.bare(Ops.PING), settings.requestTimeout(), null)
                .thenApply(pong -> Duration.ofNanos(System.nanoTime() - start));
    }

    public Duration ping() {
        return await(pingAsync());
    }

    /**
     * Replaces the signed token the session authenticated with by {@code token}, a newer one for
     * the same identity ({@code auth.refresh}); completes with its expiry. With a token supplier
     * ({@link Builder#tokenSupplier}) the client does this by itself when the server warns that
     * the token expires soon. Fails with {@code forbidden} for another identity's token and
     * {@code unauthorized} (with the reason) for a token that does not check out.
     */
    public CompletableFuture<Instant> refreshTokenAsync(String token) {
        return tokens.refresh(Objects.requireNonNull(token, "token"));
    }

    public Instant refreshToken(String token) {
        return await(refreshTokenAsync(token));
    }

    // ---------------------------------------------------------------- signals

    /**
     * Subscribes the session to {@code pattern} ({@code signal.listen}; NATS-style: {@code *} is
     * one token, a trailing {@code >} one or more). Idempotent. Signals reach the
     * {@linkplain Builder#onSignal signal listeners}. The subscription belongs to the session: it
     * survives reconnects that resume, and is gone after {@code SESSION_LOST}.
     *
     * @param group a queue group (one member of each group gets each signal, round-robin); null = plain
     */
    public CompletableFuture<Void> listenAsync(String pattern, String group) {
        return signals.listen(pattern, group);
    }

    public void listen(String pattern, String group) {
        await(listenAsync(pattern, group));
    }

    public void listen(String pattern) {
        listen(pattern, null);
    }

    /** Ends a subscription made with the same pattern and group ({@code signal.unlisten}). */
    public CompletableFuture<Void> unlistenAsync(String pattern, String group) {
        return signals.unlisten(pattern, group);
    }

    public void unlisten(String pattern, String group) {
        await(unlistenAsync(pattern, group));
    }

    public void unlisten(String pattern) {
        unlisten(pattern, null);
    }

    /**
     * Publishes {@code payload} on {@code channel} (no wildcards; the payload is a non-blank
     * string without line breaks).
     *
     * @return how many sessions it was delivered to
     */
    public CompletableFuture<Integer> publishAsync(String channel, String payload) {
        return signals.publish(channel, payload);
    }

    public int publish(String channel, String payload) {
        return await(publishAsync(channel, payload));
    }

    // ---------------------------------------------------------------- request/reply

    /**
     * Sends a request to whatever serves {@code name} ({@code rpc.call}): an in-process handler of
     * the server, a backend service, or a webhook. Completes with the result's payload, or fails
     * with an {@link RpcException}: the service's application error
     * ({@link RpcException#isApplicationError()}), or {@code timeout}, {@code no_responders},
     * {@code disconnected}, {@code shutting_down}, {@code internal}.
     *
     * @param timeout how long the server waits for the answer before ending the call with {@code timeout}
     */
    public CompletableFuture<Payload> requestAsync(String name, Payload payload, Duration timeout) {
        return rpc.call(name, payload, timeout);
    }

    public Payload request(String name, Payload payload, Duration timeout) {
        return await(requestAsync(name, payload, timeout));
    }

    /** A text request with the client's request timeout. */
    public Payload request(String name, String text) {
        return request(name, Payload.ofUtf8(text), settings.requestTimeout());
    }

    /**
     * A streaming request ({@code rpc.call} with {@code stream:true}): the responder's chunks go to
     * {@code onChunk}, in order, on the callback executor (one at a time); the future completes after
     * the last of them with the responder's final payload, or fails as {@link #requestAsync} does.
     * The server holds the responder back while this client reads its connection slowly
     * (docs/messaging.md, "Streams"); the client itself reads on while {@code onChunk} runs, so a
     * listener much slower than the stream has its chunks wait in memory, on the callback executor.
     *
     * @param timeout the deadline of the whole stream
     */
    public CompletableFuture<Payload> requestStreamAsync(String name, Payload payload, Duration timeout,
                                                         Consumer<Payload> onChunk) {
        return rpc.callStream(name, payload, timeout, onChunk);
    }

    public Payload requestStream(String name, Payload payload, Duration timeout, Consumer<Payload> onChunk) {
        return await(requestStreamAsync(name, payload, timeout, onChunk));
    }

    /**
     * A request to every service serving {@code name} ({@code rpc.call_many}: one member of each
     * backend service, and each matching in-process handler of the server). Completes with each
     * member's outcome once {@code maxReplies} members answered, every member has its outcome, or
     * at {@code timeout} (a member still silent then is an outcome {@code timeout}); fails with
     * {@code no_responders} when nothing serves the name.
     *
     * @param maxReplies answer after this many replies; 0 waits for every member
     */
    public CompletableFuture<List<MemberReply>> requestManyAsync(String name, Payload payload, Duration timeout,
                                                                 int maxReplies) {
        return rpc.callMany(Objects.requireNonNull(name, "name"), null, payload, timeout, maxReplies);
    }

    public List<MemberReply> requestMany(String name, Payload payload, Duration timeout, int maxReplies) {
        return await(requestManyAsync(name, payload, timeout, maxReplies));
    }

    /** {@link #requestManyAsync(String, Payload, Duration, int)} to each name of {@code targets}, each routed as a request is. */
    public CompletableFuture<List<MemberReply>> requestManyAsync(List<String> targets, Payload payload, Duration timeout,
                                                                 int maxReplies) {
        if (Objects.requireNonNull(targets, "targets").isEmpty()) throw new IllegalArgumentException("targets is empty");
        return rpc.callMany(null, targets, payload, timeout, maxReplies);
    }

    public List<MemberReply> requestMany(List<String> targets, Payload payload, Duration timeout, int maxReplies) {
        return await(requestManyAsync(targets, payload, timeout, maxReplies));
    }

    /**
     * Fire-and-forget ({@code rpc.notify}): the payload goes to whatever serves {@code name}, and
     * nobody answers. With {@code ack}, completes once the server routed it, or fails with
     * {@code no_responders} when nothing serves the name; without, completes once the server took it.
     */
    public CompletableFuture<Void> tellAsync(String name, Payload payload, boolean ack) {
        return rpc.notify(name, payload, ack);
    }

    public void tell(String name, Payload payload) {
        await(tellAsync(name, payload, true));
    }

    /**
     * Serves the names matching {@code pattern} ({@code rpc.serve}; {@code *} one token, {@code >}
     * the rest): requests for them come to {@code handler}. Members of one {@code group} share the
     * requests (each goes to one of them); without a group this client is a service of its own.
     *
     * @param group a queue group, or null for none
     */
    public CompletableFuture<ServiceRegistration> serveAsync(String pattern, String group, ServiceHandler handler) {
        return services.serve(pattern, group, handler);
    }

    public ServiceRegistration serve(String pattern, String group, ServiceHandler handler) {
        return await(serveAsync(pattern, group, handler));
    }

    public ServiceRegistration serve(String pattern, ServiceHandler handler) {
        return serve(pattern, null, handler);
    }

    /** Adds a listener for the named messages the server's application sends ({@code notify} events). */
    public void addNotificationListener(Consumer<Notification> listener) {
        events.addNotificationListener(listener);
    }

    public void removeNotificationListener(Consumer<Notification> listener) {
        events.removeNotificationListener(listener);
    }

    // ---------------------------------------------------------------- topics

    /**
     * Subscribes to the topics matching {@code pattern} ({@code topic.subscribe}); messages reach
     * {@code listener} on the callback executor, in order.
     *
     * @param group a queue group (each message goes to one member), or null
     * @param since for a topic with history: get the messages after this position first; null for live only
     */
    public CompletableFuture<TopicSubscription> subscribeAsync(String pattern, String group, TopicPosition since,
                                                               Consumer<TopicMessage> listener) {
        return topics.subscribe(pattern, group, since, listener);
    }

    public TopicSubscription subscribe(String pattern, String group, TopicPosition since, Consumer<TopicMessage> listener) {
        return await(subscribeAsync(pattern, group, since, listener));
    }

    public TopicSubscription subscribe(String pattern, Consumer<TopicMessage> listener) {
        return subscribe(pattern, null, null, listener);
    }

    /** Publishes on {@code topic} (no wildcards; {@code topic.publish}). */
    public CompletableFuture<Published> publishAsync(String topic, Payload payload) {
        return topics.publish(topic, payload);
    }

    public Published publish(String topic, Payload payload) {
        return await(publishAsync(topic, payload));
    }

    /**
     * The messages a topic's history holds ({@code topic.history}), oldest first.
     *
     * @param limit at most this many (the newest); 0 for the server's default
     * @param since only those after this position; null for all
     */
    public CompletableFuture<List<TopicMessage>> historyAsync(String topic, int limit, TopicPosition since) {
        return topics.history(topic, limit, since);
    }

    public List<TopicMessage> history(String topic, int limit, TopicPosition since) {
        return await(historyAsync(topic, limit, since));
    }

    // ---------------------------------------------------------------- direct messages and presence

    /**
     * Sends a direct message to the session answering to {@code peerId} ({@code relay.send}); it
     * reaches that client's {@linkplain Builder#onPeerMessage peer message listeners} with this
     * session's peer id as the sender. Completes once the server queued it for the receiver; fails
     * with {@link PeerNotFoundException} at once when no session answers to {@code peerId} now.
     * This client speaks JSON lines, so bytes travel to the server as base64 ({@code payload_b64});
     * a receiver on a binary framing still gets them raw.
     */
    public CompletableFuture<Void> sendAsync(String peerId, Payload payload) {
        FieldsMessage msg = new FieldsMessage("relay.send").put("to", Objects.requireNonNull(peerId, "peerId"))
                .payload(Objects.requireNonNull(payload, "payload"));
        return requests.send(msg, settings.requestTimeout(), null).thenApply(a -> null);
    }

    /**
     * Sends a direct message as {@link #sendAsync} does, asking for a receipt ({@code ack_id}):
     * completes with {@link ReceiptStatus#ACKNOWLEDGED} once the receiver's client has handled it
     * (this client acknowledges a message after its listeners ran), or
     * {@link ReceiptStatus#UNDELIVERED} when the receiver's session ended first. Unlike a plain
     * send, it also reaches a receiver waiting to resume. Fails at once as a send does
     * ({@link PeerNotFoundException}, {@code too_many_requests} past
     * {@code --relay-max-unacknowledged}), and later with {@link SessionLostException} or
     * {@link ConnectionClosedException} when this client's own session ends first (the server
     * forgets its receipts then), or with code {@code gap} when the server dropped events of this
     * session (the receipt may have been one of them).
     */
    public CompletableFuture<ReceiptStatus> sendWithReceiptAsync(String peerId, Payload payload) {
        return receipts.send(Objects.requireNonNull(peerId, "peerId"), Objects.requireNonNull(payload, "payload"));
    }

    /** Sends bytes (see {@link #sendAsync}); the receiver gets them byte for byte. */
    public void send(String peerId, byte[] bytes) {
        await(sendAsync(peerId, Payload.binary(Objects.requireNonNull(bytes, "bytes"))));
    }

    /** Sends text (see {@link #sendAsync}); the receiver gets it as a text payload. */
    public void send(String peerId, String text) {
        await(sendAsync(peerId, Payload.ofUtf8(Objects.requireNonNull(text, "text"))));
    }

    /** Adds a listener for direct messages (see {@link Builder#onPeerMessage}); it sees messages delivered from now on. */
    public void addPeerMessageListener(Consumer<PeerMessage> listener) {
        events.addPeerMessageListener(listener);
    }

    public void removePeerMessageListener(Consumer<PeerMessage> listener) {
        events.removePeerMessageListener(listener);
    }

    /**
     * Watches the presence of the given peer ids ({@code presence.subscribe}): {@code listener}
     * first gets the ones online now, then who comes and goes, in order, on the callback executor.
     * Close the watch to end it.
     */
    public CompletableFuture<PresenceWatch> watchPresenceAsync(Collection<String> peerIds, PresenceListener listener) {
        if (Objects.requireNonNull(peerIds, "peerIds").isEmpty()) {
            throw new IllegalArgumentException("peerIds is empty");
        }
        return presence.watch(peerIds, null, listener);
    }

    public PresenceWatch watchPresence(Collection<String> peerIds, PresenceListener listener) {
        return await(watchPresenceAsync(peerIds, listener));
    }

    /** Watches every peer id matching {@code pattern} ({@code *} one token, {@code >} the rest); see {@link #watchPresenceAsync(Collection, PresenceListener)}. */
    public CompletableFuture<PresenceWatch> watchPresenceAsync(String pattern, PresenceListener listener) {
        return presence.watch(null, Objects.requireNonNull(pattern, "pattern"), listener);
    }

    public PresenceWatch watchPresence(String pattern, PresenceListener listener) {
        return await(watchPresenceAsync(pattern, listener));
    }

    /**
     * How many subscriptions a topic or pattern has ({@code topic.presence}), and with
     * {@code list} the peer ids of up to 100 of the subscribed sessions.
     */
    public CompletableFuture<TopicPresence> topicPresenceAsync(String topic, boolean list) {
        return presence.topicPresence(topic, list);
    }

    public TopicPresence topicPresence(String topic, boolean list) {
        return await(topicPresenceAsync(topic, list));
    }

    /** The subscription count and the subscribed peer ids (up to 100) of a topic or pattern. */
    public TopicPresence topicPresence(String topic) {
        return topicPresence(topic, true);
    }

    // ---------------------------------------------------------------- closing

    /**
     * Stops reconnecting, fails every request in flight or waiting for a reconnect with
     * {@link ConnectionClosedException}, ends the session ({@code session.close}, so the server
     * releases what it held at once rather than after its grace period) when a connection is up,
     * and closes the connection. Held {@link Lock}s report lock-lost; state listeners get
     * {@code CLOSED} with code {@code client_closed}. Idempotent.
     */
    @Override
    public void close() {
        lifecycle.close();
    }

    // ---------------------------------------------------------------- internals used by Lock

    Executor callbackExecutor() {
        return settings.callbackExecutor();
    }

    /** Runs {@code task} on the client's event loop after {@code delay}: no thread per lock (the wait is {@link ClientTimers}'). */
    ClientTimers.Timed schedule(Runnable task, Duration delay) {
        return ClientTimers.onLoop(lifecycle.loop(), task, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Registers for the server's {@code lock.lost} events (on the I/O thread; listeners must not block). */
    void addLockLostListener(Consumer<JsonNode> listener) {
        events.addLockLostListener(listener);
    }

    void removeLockLostListener(Consumer<JsonNode> listener) {
        events.removeLockLostListener(listener);
    }

    /** See {@link ConnectionLifecycle#addSessionEndListener}. */
    void addSessionEndListener(Consumer<SwitchboardException> listener) {
        lifecycle.addSessionEndListener(listener);
    }

    void removeSessionEndListener(Consumer<SwitchboardException> listener) {
        lifecycle.removeSessionEndListener(listener);
    }

    /** True when a dropped connection is being (or will be) replaced: the session may live on. */
    boolean mayReconnect() {
        return lifecycle.mayReconnect();
    }

    /** Waits for {@code future} for the blocking API (never on the client's I/O thread). */
    <T> T await(CompletableFuture<T> future) {
        return Futures.await(future, lifecycle.loop());
    }

    /** Waits at most {@code limit} for the answer to a request sent with {@code callerWaits}. */
    private <T> T awaitAnswer(Call<T> call, Duration limit, String op) {
        return Futures.await(call, lifecycle.loop(), limit, op);
    }

    /** Settings for a client; {@link #connect()} opens the connection and does the handshake. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 6388;
        private Supplier<String> tokens;
        private boolean refreshTokens;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private String clientName = "switchboard-java/0.1";
        private EventLoopGroup eventLoopGroup;
        private boolean callersReadAnswers = true;
        private boolean nativeTransport = true;
        private Duration answerSpin = Duration.ZERO;
        private Executor callbackExecutor = ForkJoinPool.commonPool();
        private int maxInboundFrameBytes = 16 << 20;
        private boolean reconnect = true;
        private Duration initialBackoff = Duration.ofMillis(100);
        private Duration maxBackoff = Duration.ofSeconds(5);
        private int maxReconnectAttempts;
        private Duration maxReconnectTime;
        private final List<Consumer<ConnectionEvent>> stateListeners = new ArrayList<>();
        private final List<Consumer<Signal>> signalListeners = new ArrayList<>();
        private final List<Consumer<PeerMessage>> peerMessageListeners = new ArrayList<>();

        private Builder() {
        }

        private ClientSettings settings() {
            return new ClientSettings(host, port, tokens, refreshTokens, connectTimeout, requestTimeout, clientName,
                    callbackExecutor, maxInboundFrameBytes, reconnect, initialBackoff, maxBackoff,
                    maxReconnectAttempts, maxReconnectTime, stateListeners, signalListeners);
        }

        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** The token of each hello: the server's shared token ({@code --auth-token}), an ACL token or a signed token; null = none. */
        public Builder authToken(String token) {
            this.tokens = token == null ? null : () -> token;
            this.refreshTokens = false;
            return this;
        }

        /**
         * Where the token comes from, for signed tokens that expire: asked at each connect (on the
         * I/O thread: it must return a current token at once, say one an application thread keeps
         * fresh) and, when the server sends {@code token.expiring}, on the callback executor, whose
         * answer is sent with {@code auth.refresh} so that the connection outlives the old token.
         * A reconnect after {@code token_expired} uses the supplier's token of that moment.
         */
        public Builder tokenSupplier(Supplier<String> supplier) {
            this.tokens = Objects.requireNonNull(supplier, "supplier");
            this.refreshTokens = true;
            return this;
        }

        /** Covers the TCP connect and the hello/welcome handshake together (also of each reconnect). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /**
         * How long to wait for any answer; acquire and wait add their own timeout to it, so a
         * long lock wait is never cut short by this. A request issued while reconnecting spends
         * this time waiting for the connection too.
         */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive(timeout, "requestTimeout");
            return this;
        }

        /** Sent in {@code hello} for the server's logs. */
        public Builder clientName(String name) {
            this.clientName = Objects.requireNonNull(name, "clientName");
            return this;
        }

        /**
         * Runs the connection on a group the caller owns (and shuts down), so many clients can
         * share a few threads. By default each client owns its own event loop (see
         * {@link #callersReadAnswers(boolean)}).
         */
        public Builder eventLoopGroup(EventLoopGroup group) {
            this.eventLoopGroup = group;
            return this;
        }

        /**
         * For a client that owns its event loop (no {@link #eventLoopGroup}): whether a thread
         * blocked in a call reads the connection itself while nobody else does (default true).
         * Its answer then wakes only that thread, as with a blocking socket, instead of an I/O
         * thread that wakes it. A background thread reads whenever no caller does; it waits a
         * grace period (1 to 16 ms) before it takes over from a caller that may call again at once,
         * so an event that arrives between two blocking calls may wait that long. Completions of
         * async calls may then run on a thread blocked in a call on this client. Off: one I/O thread
         * reads everything, and every answer to a blocking call wakes it and then the caller.
         */
        public Builder callersReadAnswers(boolean on) {
            this.callersReadAnswers = on;
            return this;
        }

        /**
         * For a client that owns its event loop (no {@link #eventLoopGroup}): whether it runs on
         * Netty's native epoll transport where that loads (Linux x86-64; default true), or on Java
         * NIO (false, and on every other platform). Native costs less CPU per request. A client
         * on a group you give runs on that group's transport: epoll channels on an epoll group
         * ({@link ClientEventLoops#newGroup}, or {@code new MultiThreadIoEventLoopGroup(n, EpollIoHandler.newFactory())}), NIO on any other.
         */
        public Builder nativeTransport(boolean on) {
            this.nativeTransport = on;
            return this;
        }

        /**
         * For a client that owns its event loop (no {@link #eventLoopGroup}) on the native epoll
         * transport: how long its loop keeps polling for I/O before it sleeps (default zero: it
         * sleeps at once, as Netty's loops do; on NIO it always does; 50 µs is what
         * {@link ClientEventLoops#newGroup(int, String)} uses). An answer that lands while the loop
         * still polls needs no wake-up, which on a virtual machine is most of a round trip's CPU
         * at both ends; the loop stops polling by itself where that does not pay (an idle client,
         * a far server) and only checks now and then whether it pays again. Costs at most this
         * much CPU per wait. Off by default for a client's own loop because a process may hold
         * many clients; worth turning on for a few clients that make many calls. For a group:
         * {@link ClientEventLoops#newGroup(int, String, Duration)}.
         */
        public Builder answerSpin(Duration budget) {
            this.answerSpin = AnswerSpin.checked(Objects.requireNonNull(budget, "answerSpin"));
            return this;
        }

        /** Where lock-lost callbacks, state events and signals run, off the I/O thread so they may block. */
        public Builder callbackExecutor(Executor executor) {
            this.callbackExecutor = Objects.requireNonNull(executor, "callbackExecutor");
            return this;
        }

        /** Cap on one server message; a longer one closes the connection. */
        public Builder maxInboundFrameBytes(int bytes) {
            if (bytes < 256) {
                throw new IllegalArgumentException("maxInboundFrameBytes must be at least 256");
            }
            this.maxInboundFrameBytes = bytes;
            return this;
        }

        /**
         * Whether to reconnect and resume the session when the connection drops (default true).
         * Off: a dropped connection stops the client for good, as {@link #close()} would (without
         * {@code session.close}: the server keeps the session for its grace period).
         * The first connect is never retried: {@link #connect()} throws its error.
         */
        public Builder reconnect(boolean on) {
            this.reconnect = on;
            return this;
        }

        /**
         * Backoff between reconnect attempts: attempt {@code n} (from 0) waits a uniformly random
         * time in {@code [0, min(max, initial * 2^n)]} (exponential backoff with full jitter).
         * Defaults 100 ms and 5 s.
         */
        public Builder reconnectBackoff(Duration initial, Duration max) {
            positive(initial, "initial backoff");
            positive(max, "max backoff");
            if (max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("max backoff " + max + " is below the initial backoff " + initial);
            }
            this.initialBackoff = initial;
            this.maxBackoff = max;
            return this;
        }

        /** Gives up (the client closes, {@code CLOSED} with code {@code reconnect_failed}) after this many failed attempts in a row; 0 = never (the default). */
        public Builder maxReconnectAttempts(int attempts) {
            if (attempts < 0) {
                throw new IllegalArgumentException("maxReconnectAttempts must not be negative, got " + attempts);
            }
            this.maxReconnectAttempts = attempts;
            return this;
        }

        /** Gives up when the connection has been down this long; null = never (the default). */
        public Builder maxReconnectTime(Duration time) {
            this.maxReconnectTime = time == null ? null : positive(time, "maxReconnectTime");
            return this;
        }

        /**
         * Listens for connection state changes ({@link ConnectionEvent}), from the first
         * {@code CONNECTED} on. Runs on the callback executor, one event at a time, in order.
         */
        public Builder onStateChange(Consumer<ConnectionEvent> listener) {
            this.stateListeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Listens for signals delivered to the session (subscribe with
         * {@link SwitchboardClient#listen}). Runs on the callback executor, one signal at a time,
         * in the session's order; across a resume every signal is delivered once.
         */
        public Builder onSignal(Consumer<Signal> listener) {
            this.signalListeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Listens for direct messages other peers send to this session
         * ({@link SwitchboardClient#send}). Runs on the callback executor, one message at a time,
         * in the session's order; across a resume every message is delivered once. Set here, it
         * hears messages that arrive right after the handshake.
         */
        public Builder onPeerMessage(Consumer<PeerMessage> listener) {
            this.peerMessageListeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** Connects and does the handshake, blocking; throws the handshake's error on failure. */
        public SwitchboardClient connect() {
            try {
                return connectAsync().get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SwitchboardException("interrupted", "interrupted while connecting", e);
            } catch (ExecutionException e) {
                throw Futures.unwrap(e.getCause());
            }
        }

        public CompletableFuture<SwitchboardClient> connectAsync() {
            EventLoopGroup owned = eventLoopGroup != null ? null
                    : callersReadAnswers ? new CallerDrivenEventLoop(ClientTransport.handlerFactory(nativeTransport, answerSpin), "switchboard-client")
                    : ClientEventLoops.newGroup(1, "switchboard-client", nativeTransport, answerSpin);
            EventLoopGroup group = owned != null ? owned : eventLoopGroup;
            SwitchboardClient client = new SwitchboardClient(owned, group.next(), settings());
            peerMessageListeners.forEach(client::addPeerMessageListener);
            CompletableFuture<SwitchboardClient> result = new CompletableFuture<>();
            client.lifecycle.open(true).whenComplete((c, e) -> {
                if (e == null) {
                    result.complete(client);
                } else {
                    // Closing on our own thread would block the event loop; close async.
                    ForkJoinPool.commonPool().execute(client::close);
                    result.completeExceptionally(Futures.unwrap(e));
                }
            });
            return result;
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + d);
            }
            return d;
        }
    }
}
