package dev.switchboard.core.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.time.VirtualClock;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The tracker on virtual time: deadlines, exactly one outcome, late answers, the bound and the drain. */
class RpcTrackerTest {
    private final VirtualClock clock = new VirtualClock();
    private final List<String> limitHits = new ArrayList<>();

    private RpcTracker tracker(int maxInFlight) {
        RpcTracker t = new RpcTracker(clock, maxInFlight);
        t.onLimitHit(limitHits::add);
        return t;
    }

    /** Outcomes given to one call, in order. */
    private static final class Outcomes extends ArrayList<Reply> {
        RpcCall start(RpcTracker t, long timeoutMs) {
            return t.start("svc.a", Payload.ofUtf8("x"), false, null, timeoutMs, this::add);
        }
    }

    @Test
    void aCallGetsItsAnswerOnceAndNothingAfter() {
        RpcTracker t = tracker(10);
        Outcomes got = new Outcomes();
        RpcCall call = got.start(t, 1000);
        t.servedBy(call, "backend-1");
        assertThat(t.inFlight()).isEqualTo(1);

        assertThat(t.respond(call.rid(), "backend-1", Reply.ok(Map.of("payload", "one")))).isTrue();
        assertThat(t.complete(call, Reply.ok(Map.of("payload", "two")))).isFalse();
        clock.advance(Duration.ofSeconds(5)); // its deadline passes: nothing more happens

        assertThat(got).hasSize(1);
        assertThat(got.get(0).result()).containsEntry("payload", "one");
        assertThat(t.inFlight()).isZero();
        assertThat(t.outcomes("result")).isEqualTo(1);
        assertThat(t.outcomes("timeout")).isZero();
        assertThat(t.takeServedBy("backend-1")).as("an answered call no longer waits for its backend").isEmpty();
    }

    @Test
    void theDeadlineIsTheOutcomeAndALateAnswerIsRefusedAndCounted() {
        RpcTracker t = tracker(10);
        Outcomes got = new Outcomes();
        RpcCall call = got.start(t, 1000);
        t.servedBy(call, "backend-1");
        clock.advance(Duration.ofMillis(999));
        assertThat(got).isEmpty();
        clock.advance(Duration.ofMillis(1));
        assertThat(got).hasSize(1);
        assertThat(got.get(0).error()).isEqualTo(ErrorCode.TIMEOUT);
        assertThat(got.get(0).message()).contains("1000 ms");

        assertThat(t.respond(call.rid(), "backend-1", Reply.ok(Map.of()))).isFalse();
        assertThat(t.lateReplies()).isEqualTo(1);
        assertThat(got).hasSize(1);
        assertThat(t.outcomes("timeout")).isEqualTo(1);
        assertThat(t.inFlight()).isZero();
    }

    @Test
    void onlyTheBackendTheCallWentToMayAnswerIt() {
        RpcTracker t = tracker(10);
        Outcomes got = new Outcomes();
        RpcCall call = got.start(t, 1000);
        t.servedBy(call, "backend-1");
        assertThat(t.respond(call.rid(), "backend-2", Reply.ok(Map.of()))).isFalse();
        assertThat(t.respond("no-such-rid", "backend-1", Reply.ok(Map.of()))).isFalse();
        assertThat(got).isEmpty();
        assertThat(t.lateReplies()).isEqualTo(2);
        assertThat(t.respond(call.rid(), "backend-1", Reply.applicationError("nope", "no", null))).isTrue();
        assertThat(got.get(0).errorCode()).isEqualTo("nope");
        assertThat(t.outcomes("application_error")).isEqualTo(1);
    }

    @Test
    void callsOverTheBoundAreRefusedUntilOneEnds() {
        RpcTracker t = tracker(2);
        Outcomes a = new Outcomes();
        Outcomes b = new Outcomes();
        Outcomes c = new Outcomes();
        RpcCall first = a.start(t, 1000);
        b.start(t, 1000);
        assertThat(c.start(t, 1000)).isNull();
        assertThat(c).singleElement().satisfies(r -> {
            assertThat(r.error()).isEqualTo(ErrorCode.TOO_MANY_REQUESTS);
            assertThat(r.message()).contains("--rpc-max-in-flight");
        });
        assertThat(limitHits).containsExactly("rpc_max_in_flight");
        assertThat(t.outcomes("too_many_requests")).isEqualTo(1);

        t.complete(first, Reply.ok(Map.of()));
        Outcomes d = new Outcomes();
        assertThat(d.start(t, 1000)).isNotNull();
        assertThat(t.inFlight()).isEqualTo(2);
    }

    @Test
    void aDrainRefusesNewCallsAndItsDeadlineFailsTheRest() {
        RpcTracker t = tracker(10);
        Outcomes inFlight = new Outcomes();
        Outcomes answered = new Outcomes();
        inFlight.start(t, 60_000);
        RpcCall goingOn = answered.start(t, 60_000);
        t.startDraining();

        Outcomes late = new Outcomes();
        assertThat(late.start(t, 1000)).isNull();
        assertThat(late).singleElement().extracting(Reply::error).isEqualTo(ErrorCode.SHUTTING_DOWN);

        assertThat(t.complete(goingOn, Reply.ok(Map.of()))).as("calls in flight go on during the drain").isTrue();
        assertThat(t.failAll()).isEqualTo(1);
        assertThat(inFlight).singleElement().extracting(Reply::error).isEqualTo(ErrorCode.SHUTTING_DOWN);
        assertThat(t.outcomes("shutting_down")).isEqualTo(2);
        assertThat(t.inFlight()).isZero();
        clock.advance(Duration.ofMinutes(2));
        assertThat(inFlight).as("no second outcome at the old deadline").hasSize(1);
    }

    @Test
    void aBackendsCallsAreHandedBackOnceWhenItGoes() {
        RpcTracker t = tracker(10);
        Outcomes one = new Outcomes();
        Outcomes two = new Outcomes();
        RpcCall a = one.start(t, 1000);
        RpcCall b = two.start(t, 1000);
        t.servedBy(a, "backend-1");
        t.servedBy(b, "backend-2");
        assertThat(t.takeServedBy("backend-1")).containsExactly(a);
        assertThat(t.takeServedBy("backend-1")).isEmpty();
        assertThat(t.respond(a.rid(), "backend-1", Reply.ok(Map.of())))
                .as("a backend that went no longer answers the calls it was handed").isFalse();
        assertThat(t.respond(b.rid(), "backend-2", Reply.ok(Map.of()))).isTrue();
    }
}
