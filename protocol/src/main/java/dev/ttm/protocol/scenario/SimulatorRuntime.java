package dev.ttm.protocol.scenario;

import dev.ttm.protocol.invariants.InvariantChecker;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.model.ModelView;
import dev.ttm.protocol.model.Reply;
import dev.ttm.protocol.sim.SimListener;
import dev.ttm.protocol.sim.Simulator;

import java.util.List;

import java.util.function.BooleanSupplier;

/** A scenario on the deterministic simulator. */
final class SimulatorRuntime implements ScenarioRuntime {
    private final Simulator sim;

    SimulatorRuntime(DeviceConfig device, InvariantChecker checker, List<SimListener> more) {
        this.sim = new Simulator(device);
        sim.addListener(checker);
        for (SimListener l : more) sim.addListener(l);
    }

    @Override public ModelView view() { return sim; }
    @Override public long newRequestId() { return sim.newRequestId(); }
    @Override public Address.Exec newExec() { return sim.newExec(); }
    @Override public void submit(Address.Client from, Address to, Message request) { sim.submit(from, to, request); }
    @Override public void deliverNow(Address.Client from, Address to, Message message) { sim.deliverNow(from, to, message); }
    @Override public boolean runUntil(BooleanSupplier done, long maxSteps) { return sim.runUntil(done, maxSteps); }
    @Override public boolean settle(long maxSteps) { return sim.settle(maxSteps); }
    @Override public Reply reply(long requestId) { return sim.reply(requestId); }
    @Override public void checkFull(InvariantChecker checker) { checker.checkFull(sim); }
    @Override public void close() {}

    @Override
    public String randomize(long seed) {
        sim.randomize(seed);
        return "delivery order drawn from seed " + seed;
    }
}
