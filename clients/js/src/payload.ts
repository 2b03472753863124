import type { WireMessage } from './transport.js';

/**
 * A payload as the app sees it: text (a string), bytes (a Uint8Array; an ArrayBuffer is accepted
 * when sending), or any other JSON value (docs/messaging.md, "Payloads").
 */
export type Payload = string | Uint8Array | ArrayBuffer | number | boolean | null | object;

/** The field a decoded binary frame uses for its raw bytes (never sent on the wire). */
export const RAW_BYTES = Symbol('switchboard.rawBytes');

export function isBytes(value: unknown): value is Uint8Array | ArrayBuffer {
  return value instanceof Uint8Array || value instanceof ArrayBuffer;
}

export function toBytes(value: Uint8Array | ArrayBuffer): Uint8Array {
  return value instanceof Uint8Array ? value : new Uint8Array(value);
}

// btoa/atob exist in browsers and Node 20; they work on "binary strings", built in slices so a
// large payload does not blow the argument limit of String.fromCharCode.
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** The payload fields of a JSON request: `payload_b64` for bytes, `payload` otherwise. */
export function payloadFields(payload: Payload | undefined): Record<string, unknown> {
  if (payload === undefined) return {};
  if (isBytes(payload)) return { payload_b64: bytesToBase64(toBytes(payload)) };
  return { payload };
}

/** The payload a received message carries: bytes from a binary frame or `payload_b64`, else `payload`. */
export function readPayload(msg: WireMessage | Record<string, unknown>): Payload {
  const raw = (msg as { [RAW_BYTES]?: Uint8Array })[RAW_BYTES];
  if (raw) return raw;
  if (typeof msg.payload_b64 === 'string') return base64ToBytes(msg.payload_b64);
  return (msg.payload ?? '') as Payload;
}
