package dev.switchboard.server.transport.http.nativeapi;

import dev.switchboard.core.rpc.RequestReply;
import dev.switchboard.core.rpc.StreamReader;
import dev.switchboard.core.session.Session;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.PayloadFields;
import dev.switchboard.protocol.Reply;
import dev.switchboard.server.transport.JsonSupport;
import dev.switchboard.server.transport.ServerContext;
import dev.switchboard.server.transport.http.HttpExchange;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code GET /api/v1/streams/{rid}}: a streaming call's chunks as one chunked HTTP response,
 * a JSON line per chunk ({@code {"index":i,"payload":…}}) and the call's outcome last
 * ({@code {"result":{…}}} or {@code {"error":{…}}}), then the connection closes. The key of the
 * calling session authenticates it. A chunk counts as taken once written here, so a reader that
 * reads slowly holds the producer back as a slow caller connection does.
 */
final class StreamUrl {
    private final ServerContext server;
    private final Function<HttpExchange, String> presentedKey;

    StreamUrl(ServerContext server, Function<HttpExchange, String> presentedKey) {
        this.server = server;
        this.presentedKey = presentedKey;
    }

    void read(HttpExchange ex) {
        String rid = ex.param("rid");
        RequestReply rpc = server.core().rpc();
        Session caller = rpc.streamCaller(rid);
        // An unknown stream and a wrong key get the same answer, so that guessing teaches nothing.
        if (caller == null || server.core().sessions().authenticate(caller.id(), presentedKey.apply(ex)) == null) {
            ex.error(HttpResponseStatus.NOT_FOUND, ErrorCode.UNKNOWN_REQUEST.wire(), "no stream " + rid
                    + " of a session with this key is in flight (it ended, never was, or a wrong " + NativeHttpApi.KEY_HEADER + ")");
            return;
        }
        Channel ch = ex.channel();
        Reader reader = new Reader(ch);
        if (!rpc.readStream(rid, reader)) {
            ex.error(HttpResponseStatus.CONFLICT, ErrorCode.ALREADY_WAITING.wire(),
                    "the stream " + rid + " has ended or has a reader already");
            return;
        }
        if (!ex.claimForStream(HttpResponseStatus.OK)) {
            rpc.unreadStream(rid, reader);
            return;
        }
        // On the event loop now: the head goes before every line the reader queues behind it.
        ch.writeAndFlush(head(ex));
        ch.closeFuture().addListener(f -> rpc.unreadStream(rid, reader));
    }

    private static HttpResponse head(HttpExchange ex) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/x-ndjson")
                .set(HttpHeaderNames.CACHE_CONTROL, "no-cache")
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                .set("X-Accel-Buffering", "no")
                .add(ex.extraHeaders());
        HttpUtil.setTransferEncodingChunked(head, true);
        return head;
    }

    /** Writes the stream on its connection's event loop, in the order it is told. */
    private static final class Reader implements StreamReader {
        private final Channel ch;

        Reader(Channel ch) {
            this.ch = ch;
        }

        @Override
        public void chunk(long index, Payload payload, Runnable taken) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("index", index);
            PayloadFields.put(line, payload);
            ch.eventLoop().execute(() -> ch.writeAndFlush(line(line)).addListener(f -> {
                if (f.isSuccess()) taken.run();
            }));
        }

        @Override
        public void end(Reply outcome) {
            Map<String, Object> line = new LinkedHashMap<>();
            if (outcome.isError()) line.put("error", outcome.errorFields());
            else line.put("result", outcome.result());
            ch.eventLoop().execute(() -> {
                ch.write(line(line));
                ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
            });
        }

        private static DefaultHttpContent line(Map<String, Object> fields) {
            byte[] json = JsonSupport.write(fields);
            return new DefaultHttpContent(Unpooled.buffer(json.length + 1).writeBytes(json).writeByte('\n'));
        }
    }
}
