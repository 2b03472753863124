import { RAW_BYTES } from './payload.js';
/**
 * The two binary layouts of WebSocket frames (docs/messaging.md "Raw bytes on binary framings",
 * docs/relay.md "Compact relay frames"): a binary envelope `00 | header length (4, BE) | JSON
 * header | bytes`, and a compact relay frame `01 | type | peer length | peer | (seq, 8 BE) | bytes`.
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
export function encodeEnvelope(header, bytes) {
    const json = encoder.encode(JSON.stringify(header));
    const frame = new Uint8Array(5 + json.length + bytes.length);
    frame[0] = 0;
    new DataView(frame.buffer).setUint32(1, json.length);
    frame.set(json, 5);
    frame.set(bytes, 5 + json.length);
    return frame;
}
/**
 * Decodes a binary frame into the message it stands for, the bytes kept under RAW_BYTES (read
 * them with readPayload). Throws on a malformed frame.
 */
export function decodeBinaryFrame(frame) {
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    if (frame.length >= 5 && frame[0] === 0) {
        const headerLength = view.getUint32(1);
        if (5 + headerLength > frame.length)
            throw new Error('binary envelope: header runs past the frame');
        const header = JSON.parse(decoder.decode(frame.subarray(5, 5 + headerLength)));
        if (!header || typeof header.op !== 'string')
            throw new Error('binary envelope: header has no op');
        header[RAW_BYTES] = frame.slice(5 + headerLength);
        return header;
    }
    if (frame.length >= 3 && frame[0] === 1 && frame[1] === 2) {
        const peerLength = frame[2];
        const seqAt = 3 + peerLength;
        if (peerLength === 0 || seqAt + 8 > frame.length)
            throw new Error('relay frame: too short');
        const from = decoder.decode(frame.subarray(3, seqAt));
        const seq = Number(view.getBigUint64(seqAt));
        const msg = { op: 'relay.message', from, seq };
        msg[RAW_BYTES] = frame.slice(seqAt + 8);
        return msg;
    }
    throw new Error(`unknown binary frame (first byte ${frame[0]})`);
}
