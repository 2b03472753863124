/** The field a decoded binary frame uses for its raw bytes (never sent on the wire). */
export const RAW_BYTES = Symbol('switchboard.rawBytes');
export function isBytes(value) {
    return value instanceof Uint8Array || value instanceof ArrayBuffer;
}
export function toBytes(value) {
    return value instanceof Uint8Array ? value : new Uint8Array(value);
}
// btoa/atob exist in browsers and Node 20; they work on "binary strings", built in slices so a
// large payload does not blow the argument limit of String.fromCharCode.
export function bytesToBase64(bytes) {
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) {
        binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    }
    return btoa(binary);
}
export function base64ToBytes(text) {
    const binary = atob(text);
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++)
        out[i] = binary.charCodeAt(i);
    return out;
}
/** The payload fields of a JSON request: `payload_b64` for bytes, `payload` otherwise. */
export function payloadFields(payload) {
    if (payload === undefined)
        return {};
    if (isBytes(payload))
        return { payload_b64: bytesToBase64(toBytes(payload)) };
    return { payload };
}
/** The payload a received message carries: bytes from a binary frame or `payload_b64`, else `payload`. */
export function readPayload(msg) {
    const raw = msg[RAW_BYTES];
    if (raw)
        return raw;
    if (typeof msg.payload_b64 === 'string')
        return base64ToBytes(msg.payload_b64);
    return (msg.payload ?? '');
}
