package dev.ttm.protocol.scenario;

import dev.ttm.protocol.invariants.InvariantChecker;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.model.ModelView;
import dev.ttm.protocol.model.Reply;

import dev.ttm.protocol.sim.SimListener;

import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * Where a scenario runs: the simulator (one thread, a delivery order chosen by a seed) or the Pekko actor runtime
 * (real concurrency). The interpreter only submits requests, waits for replies and quiescence, and reads the model
 * through {@link #view()} while nothing is in flight. The checker it is given sees every decision of the run.
 */
public interface ScenarioRuntime extends AutoCloseable {
    /** Starts a runtime for one scenario's device, feeding {@code checker}. */
    interface Factory {
        ScenarioRuntime start(DeviceConfig device, InvariantChecker checker);
    }

    /** The model's state; read it only when the runtime is settled. */
    ModelView view();

    long newRequestId();

    Address.Exec newExec();

    /** A client submits a request; its reply is kept for {@link #reply(long)}. */
    void submit(Address.Client from, Address to, Message request);

    /** Delivers {@code message} ahead of anything else and waits until it is applied (how an injection is armed). */
    void deliverNow(Address.Client from, Address to, Message message);

    /** Runs until {@code done} holds or nothing is in flight (bounded by {@code maxSteps} messages or a time limit). */
    boolean runUntil(BooleanSupplier done, long maxSteps);

    /** Runs until nothing is in flight; false when it does not settle within the bound. */
    boolean settle(long maxSteps);

    Reply reply(long requestId);

    /** `schedule random seed=N`: what the runner prints for it. */
    String randomize(long seed);

    /** Evaluates every invariant now (the runtime is settled). */
    void checkFull(InvariantChecker checker);

    @Override
    void close();

    /** The simulator: the default. */
    Factory SIMULATOR = (device, checker) -> new SimulatorRuntime(device, checker, List.of());

    /** The simulator, with the listeners {@code more} makes for each scenario's device listening after the checker (a recorder). */
    static Factory simulator(Function<DeviceConfig, List<SimListener>> more) {
        return (device, checker) -> new SimulatorRuntime(device, checker, more.apply(device));
    }
}
