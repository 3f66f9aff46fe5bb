package dev.ttm.persistence;

import dev.ttm.protocol.invariants.InvariantChecker;
import dev.ttm.protocol.journal.SimRecorder;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.model.ModelView;
import dev.ttm.protocol.model.Reply;
import dev.ttm.protocol.scenario.ScenarioRuntime;

import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * A scenario on the simulator, journaled ({@code ttm run --runtime sim --journal DIR}): the run is recorded as the
 * actor runtime journals one ({@link SimRecorder}) and written to the LevelDB journal in the data directory when the
 * scenario ends ({@link JournalWriter}), whatever way it ends.
 */
public final class JournalingSimulator implements ScenarioRuntime {
    private final ScenarioRuntime sim;
    private final SimRecorder recorder;
    private final Path dataDir;

    /** A factory for the scenario runner: one scenario, journaled in {@code dataDir}. */
    public static ScenarioRuntime.Factory factory(Path dataDir) {
        return (device, checker) -> {
            SimRecorder rec = new SimRecorder(UUID.randomUUID().toString(), device);
            return new JournalingSimulator(ScenarioRuntime.simulator(d -> List.of(rec)).start(device, checker), rec, dataDir);
        };
    }

    private JournalingSimulator(ScenarioRuntime sim, SimRecorder recorder, Path dataDir) {
        this.sim = sim;
        this.recorder = recorder;
        this.dataDir = dataDir;
    }

    @Override public ModelView view() { return sim.view(); }
    @Override public long newRequestId() { return sim.newRequestId(); }
    @Override public Address.Exec newExec() { return sim.newExec(); }
    @Override public void submit(Address.Client from, Address to, Message request) { sim.submit(from, to, request); }
    @Override public void deliverNow(Address.Client from, Address to, Message message) { sim.deliverNow(from, to, message); }
    @Override public boolean runUntil(BooleanSupplier done, long maxSteps) { return sim.runUntil(done, maxSteps); }
    @Override public boolean settle(long maxSteps) { return sim.settle(maxSteps); }
    @Override public Reply reply(long requestId) { return sim.reply(requestId); }
    @Override public String randomize(long seed) { return sim.randomize(seed); }
    @Override public void checkFull(InvariantChecker checker) { sim.checkFull(checker); }

    @Override
    public void close() {
        sim.close();
        JournalWriter.write(dataDir, recorder.journal());
    }
}
