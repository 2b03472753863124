/** The longest line kept while waiting for its end; a stream with a longer one is broken. */
const MAX_LINE_CHARS = 16 * 1024 * 1024;
export class SseParser {
    onEvent;
    onRetry;
    buffer = '';
    data = [];
    event = '';
    id;
    constructor(onEvent, onRetry = () => { }) {
        this.onEvent = onEvent;
        this.onRetry = onRetry;
    }
    /** Feeds the next piece of the stream. Throws when a line grows past MAX_LINE_CHARS. */
    push(chunk) {
        this.buffer += chunk;
        let start = 0;
        for (;;) {
            const lf = this.buffer.indexOf('\n', start);
            const cr = this.buffer.indexOf('\r', start);
            let end = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
            if (end < 0)
                break;
            let next = end + 1;
            if (this.buffer[end] === '\r') {
                // "\r\n" is one line end; a "\r" last in the chunk may be followed by its "\n" in the next.
                if (end === this.buffer.length - 1)
                    break;
                if (this.buffer[end + 1] === '\n')
                    next = end + 2;
            }
            this.line(this.buffer.slice(start, end));
            start = next;
        }
        this.buffer = this.buffer.slice(start);
        if (this.buffer.length > MAX_LINE_CHARS)
            throw new Error(`an event-stream line is longer than ${MAX_LINE_CHARS} characters`);
    }
    line(line) {
        if (line === '') {
            this.dispatch();
            return;
        }
        if (line.startsWith(':'))
            return; // a comment (the server's keep-alive ": ping")
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' '))
            value = value.slice(1);
        switch (field) {
            case 'data':
                this.data.push(value);
                break;
            case 'event':
                this.event = value;
                break;
            case 'id':
                if (!value.includes('\0'))
                    this.id = value;
                break;
            case 'retry':
                if (/^\d+$/.test(value))
                    this.onRetry(Number(value));
                break;
            default:
                break; // unknown fields are ignored, as the format says
        }
    }
    dispatch() {
        if (this.data.length > 0) {
            const e = { event: this.event || 'message', data: this.data.join('\n') };
            if (this.id !== undefined)
                e.id = this.id;
            this.onEvent(e);
        }
        this.data = [];
        this.event = '';
    }
}
