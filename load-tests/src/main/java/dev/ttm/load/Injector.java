package dev.ttm.load;

import dev.ttm.actors.TtmSystem;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.IoManager;
import dev.ttm.protocol.model.RegionManager;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;

/**
 * Fires the run's {@code --inject}ions while the clients run: a driver or allocator failure is armed for one call
 * (the model's {@code IoManager.Inject} / {@code RegionManager.Inject}, journaled like any input), an actor crash is
 * asked of the runtime. One scheduler thread outside the actor system; which entity crashes is drawn from the seed.
 */
final class Injector implements AutoCloseable {
    private static final Address.Client INJECTOR = new Address.Client("load-injector");

    /**
     * Makes the entity at an address throw mid-operation and recover (the runtime's crash injection,
     * {@link TtmSystem#crash(Address)}); the stage completes once it has recovered.
     */
    public interface Crash {
        java.util.concurrent.CompletionStage<?> crash(Address entity);
    }

    final LongAdder armed = new LongAdder();
    final LongAdder crashes = new LongAdder();
    final LongAdder crashesRecovered = new LongAdder();
    /** The first crash that did not recover: the run fails with it. */
    final java.util.concurrent.atomic.AtomicReference<Throwable> crashFailure = new java.util.concurrent.atomic.AtomicReference<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ttm-load-injector");
        t.setDaemon(true);
        return t;
    });
    private final TtmSystem ttm;
    private final Crash crash;
    private final IntFunction<String> slotBo;
    private final int slots;
    private final SplittableRandom random;
    private final List<String> regions;

    Injector(TtmSystem ttm, LoadSettings settings, Crash crash, IntFunction<String> slotBo) {
        this.ttm = ttm;
        this.crash = crash;
        this.slotBo = slotBo;
        this.slots = settings.bos();
        this.random = new SplittableRandom(settings.seed() ^ 0x1A7EC7L);
        this.regions = new ArrayList<>(ttm.device().regions().keySet());
    }

    void start(List<InjectSpec> specs) {
        for (InjectSpec s : specs) {
            if (s.every() == null) continue;
            long every = Math.max(1, s.every().toNanos());
            Runnable fire = switch (s.what()) {
                case DRIVER -> () -> arm(Address.IO, new IoManager.Inject(s.injection()));
                case ALLOC -> () -> arm(new Address.Region(s.injection().target()), new RegionManager.Inject(s.injection()));
                case CRASH -> () -> crashOne(s.crashTarget());
                case SLOW_MOVES -> null;
            };
            timer.scheduleAtFixedRate(guard(fire), every, every, TimeUnit.NANOSECONDS);
        }
    }

    private Runnable guard(Runnable r) {
        return () -> {
            try {
                r.run();
            } catch (RuntimeException e) {
                // The system is closing: nothing left to inject into.
            }
        };
    }

    private void arm(Address at, dev.ttm.protocol.model.Message inject) {
        ttm.wiring().submit(INJECTOR, at, inject);
        armed.increment();
    }

    private void crashOne(String target) {
        String t = target.equals("any") ? new String[] {"bo", "bo", "region", "io"}[random.nextInt(4)] : target;
        Address a = switch (t) {
            case "region" -> new Address.Region(regions.get(random.nextInt(regions.size())));
            case "io" -> Address.IO;
            default -> new Address.Bo(slotBo.apply(random.nextInt(slots)));
        };
        crashes.increment();
        crash.crash(a).whenComplete((r, failure) -> {
            if (failure == null) crashesRecovered.increment();
            else crashFailure.compareAndSet(null, failure);
        });
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
