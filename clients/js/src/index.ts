export { Client, type ClientOptions, type ClientEvents, type ClientState } from './client.js';
export { SwitchboardError } from './errors.js';
export { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
export { SequenceTracker } from './sequence.js';
export { subjectMatches } from './subject.js';
export type { Payload } from './payload.js';
export { Lock, Locks, Semaphores, type LockOptions, type LockLostEvent, type Enqueued, type LockKind } from './locks.js';
export {
  Signals,
  Topics,
  type Subscription,
  type SignalEvent,
  type TopicMessage,
  type TopicPosition,
  type TopicSubscription,
  type PublishResult,
  type HistoryResult,
  type TopicPresenceWatch,
  type TopicPresenceHandlers,
} from './pubsub.js';
export { Rpc, type CallOptions, type CallManyReply, type RpcRequest, type RpcHandler, type Service } from './rpc.js';
export { Relay, Presence, type RelayMessage, type ReceiptStatus, type PresenceChange, type PresenceWatch } from './relay.js';
export { SessionApi, type SessionInfo } from './session.js';
export { AdminClient, type AdminClientOptions, type AdminSession, type AdminSnapshot } from './admin.js';
export {
  TransportUnavailable,
  type Transport,
  type TransportHandlers,
  type TransportKind,
  type HelloRequest,
  type WireMessage,
} from './transport.js';
export { defaultTransports, webSocketTransport, type TransportFactory, type TransportContext } from './transports/index.js';
export { WebSocketTransport, webSocketUrl, type WebSocketConstructor, type WebSocketLike } from './transports/websocket.js';
export { SseTransport, sseTransport, type SseTransportOptions } from './transports/sse.js';
export { PollTransport, pollTransport, type PollTransportOptions } from './transports/poll.js';
