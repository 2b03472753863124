package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.ProtocolException;
import dev.switchboard.protocol.Reply;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The dispatcher alone, with handlers written for the test. */
class DispatcherTest {
    private final Dispatcher dispatcher = new Dispatcher();

    @Test
    void routesToTheRegisteredHandler() {
        dispatcher.register("echo", req -> req.reply(Reply.ok(Map.of("said", req.frame().string("text")))));

        Replies r = Replies.dispatch(dispatcher, null, "echo", "text", "hi");

        assertThat(r.count()).isEqualTo(1);
        assertThat(r.get().result()).isEqualTo(Map.of("said", "hi"));
        assertThat(dispatcher.operations()).containsExactly("echo");
    }

    @Test
    void unknownOperationIsUnknownOp() {
        dispatcher.register("echo", req -> req.reply(Reply.ok(Map.of())));

        Replies r = Replies.dispatch(dispatcher, null, "no.such.op");

        assertThat(r.count()).isEqualTo(1);
        assertThat(r.get().error()).isEqualTo(ErrorCode.UNKNOWN_OP);
        assertThat(r.get().message()).contains("no.such.op");
    }

    @Test
    void registeringAnOperationTwiceIsRefused() {
        dispatcher.register("op", req -> req.reply(Reply.ok(Map.of())));
        assertThatThrownBy(() -> dispatcher.register("op", req -> { }))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aProtocolExceptionBecomesItsErrorReply() {
        dispatcher.register("op", req -> req.frame().number("n", 1, 10));

        Replies missing = Replies.dispatch(dispatcher, null, "op");
        Replies outOfRange = Replies.dispatch(dispatcher, null, "op", "n", 11);
        Replies wrongType = Replies.dispatch(dispatcher, null, "op", "n", "ten");

        for (Replies r : new Replies[] {missing, outOfRange, wrongType}) {
            assertThat(r.count()).isEqualTo(1);
            assertThat(r.get().error()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
            assertThat(r.get().message()).contains("n ");
        }
    }

    @Test
    void aBugInAHandlerBecomesAnInternalErrorReply() {
        dispatcher.register("op", req -> {
            throw new IllegalStateException("handler bug (expected by the test)");
        });

        Replies r = Replies.dispatch(dispatcher, null, "op");

        assertThat(r.count()).isEqualTo(1);
        assertThat(r.get().error()).isEqualTo(ErrorCode.INTERNAL);
    }

    @Test
    void onlyTheFirstReplyGoesOut() {
        dispatcher.register("twice", req -> {
            req.reply(Reply.ok(Map.of("n", 1L)));
            req.reply(Reply.ok(Map.of("n", 2L)));
        });
        dispatcher.register("replyThenThrow", req -> {
            req.reply(Reply.ok(Map.of("n", 1L)));
            throw new ProtocolException(ErrorCode.INVALID_ARGUMENT, "late (expected by the test)");
        });
        dispatcher.register("replyThenBug", req -> {
            req.reply(Reply.ok(Map.of("n", 1L)));
            throw new IllegalStateException("late bug (expected by the test)");
        });

        for (String op : new String[] {"twice", "replyThenThrow", "replyThenBug"}) {
            Replies r = Replies.dispatch(dispatcher, null, op);
            assertThat(r.count()).as(op).isEqualTo(1);
            assertThat(r.get().result()).as(op).isEqualTo(Map.of("n", 1L));
        }
    }

    @Test
    void aReplyFromAnotherThreadLaterIsDeliveredOnce() throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(1);
        dispatcher.register("later", req -> CompletableFuture.runAsync(() -> {
            try {
                go.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            req.reply(Reply.ok(Map.of("late", true)));
            req.reply(Reply.error(ErrorCode.INTERNAL, "second"));
            finished.countDown();
        }));

        Replies r = Replies.dispatch(dispatcher, null, "later");
        assertThat(r.answered()).isFalse();
        go.countDown();

        assertThat(r.get().result()).isEqualTo(Map.of("late", true));
        assertThat(finished.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(r.count()).isEqualTo(1);
    }
}
