package dev.ttm.protocol.journal;

import dev.ttm.protocol.invariants.InvariantChecker;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.scenario.ScenarioRunner;
import dev.ttm.protocol.scenario.ScenarioRuntime;
import dev.ttm.protocol.sim.Envelope;
import dev.ttm.protocol.sim.SimListener;
import dev.ttm.protocol.sim.Simulator;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** A scenario run on the simulator, recorded as a journal, with what a second checker and the simulator itself saw. */
record RecordedRun(SimRecorder.Journal journal, Simulator sim, InvariantChecker checker, int exitStatus) {
    static RecordedRun of(Path scenario) {
        SimRecorder[] rec = new SimRecorder[1];
        InvariantChecker checker = new InvariantChecker();
        Simulator[] sim = new Simulator[1];
        SimListener grab = new SimListener() {
            @Override
            public void afterDelivery(Simulator s, Envelope delivered) {
                sim[0] = s;
            }
        };
        ScenarioRuntime.Factory f = ScenarioRuntime.simulator(device -> {
            rec[0] = new SimRecorder("run-" + scenario.getFileName(), device);
            return List.of(rec[0], checker, grab);
        });
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        int status = ScenarioRunner.runFiles(List.of(scenario), quiet, quiet, new ScenarioRunner.Options(false, false, f));
        return new RecordedRun(rec[0].journal(), sim[0], checker, status);
    }

    /** Every entity's entries merged by stamp, as a reader gives them. */
    List<JournalEntry> merged() {
        return merge(journal.entries());
    }

    static List<JournalEntry> merge(Map<Address, List<Recorded>> byEntity) {
        List<JournalEntry> out = new ArrayList<>();
        byEntity.forEach((a, l) -> {
            for (int i = 0; i < l.size(); i++) out.add(new JournalEntry(a, i + 1, l.get(i)));
        });
        out.sort(Comparator.comparingLong(JournalEntry::stamp));
        return out;
    }

    JournalFold fold() {
        JournalFold f = new JournalFold(journal.run().device().toDevice());
        for (JournalEntry e : merged()) f.apply(e);
        return f;
    }
}
