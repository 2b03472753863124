package dev.switchboard.bench.chaos;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** What a soak did and found; {@link #passed()} decides the exit code. */
record ChaosReport(ChaosSettings settings, OpCounts counts, int grants, int stayedWaiters,
                   GrantLedger.Verdict verdict, ServerResidue.Residue residue, Duration ran,
                   long unanswered, List<String> unansweredDescribed, List<String> disruptions) {

    boolean passed() {
        return verdict.violations() == 0 && unanswered == 0 && residue.clean() && counts.get(Op.UNEXPECTED) == 0;
    }

    void print(PrintWriter out) {
        out.println("operations:");
        for (Op op : Op.values()) {
            out.printf("  %-58s %d%n", op.label() + ":", counts.get(op));
        }
        out.printf("total ops:          %d%n", counts.totalRequests());
        out.printf("ops/s:              %.1f%n", counts.totalRequests() / Math.max(0.001, ran.toMillis() / 1000.0));
        StringBuilder byTransport = new StringBuilder();
        for (Transport t : Transport.values()) {
            byTransport.append(byTransport.length() == 0 ? "" : ", ").append(t.name().toLowerCase()).append(' ').append(counts.requests(t));
        }
        out.println("ops by transport:   " + byTransport);
        out.printf("grants checked:     %d%n", grants);
        out.printf("stayed waiters (FIFO checked): %d%n", stayedWaiters);
        out.printf("ordered pairs checked: %d%n", verdict.orderedPairsChecked());
        out.printf("violations:         %d%n", verdict.violations());
        for (String v : verdict.described()) {
            out.println("  VIOLATION " + v);
        }
        out.printf("requests unanswered past deadline + %d ms (violations): %d%n", settings.answerMargin().toMillis(), unanswered);
        for (String v : unansweredDescribed) {
            out.println("  NO ANSWER " + v);
        }
        out.println("disruptions:        " + (disruptions.isEmpty() ? "none" : String.join("; ", disruptions)));
        out.printf("unexpected errors:  %d%n", counts.get(Op.UNEXPECTED));
        for (String e : counts.firstErrors()) {
            out.println("  " + e);
        }
        StringBuilder state = new StringBuilder();
        for (Map.Entry<String, Double> e : residue.values().entrySet()) {
            state.append(state.length() == 0 ? "" : ", ").append(e.getKey()).append('=').append(ServerResidue.format(e.getValue()));
        }
        out.println("server after the run (" + residue.waited().toMillis() + " ms after the clients stopped): " + state);
        out.println("leftovers:          " + (residue.clean() ? "none" : String.join("; ", residue.leftovers())));
        out.println("result:             " + (passed() ? "PASS" : "FAIL"));
    }
}
