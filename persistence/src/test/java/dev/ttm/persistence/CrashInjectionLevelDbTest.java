package dev.ttm.persistence;

import static dev.ttm.persistence.RecoveryTest.digests;
import static dev.ttm.persistence.RecoveryTest.join;
import static dev.ttm.persistence.RecoveryTest.quiesce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import dev.ttm.actors.TtmSystem;
import dev.ttm.actors.runtime.CrashReport;
import dev.ttm.protocol.model.BoState;
import dev.ttm.protocol.model.Outcome;
import dev.ttm.protocol.model.Place;
import dev.ttm.protocol.model.Placement;
import dev.ttm.protocol.model.Reply;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Actor crashes ({@link TtmSystem#crash}) on the LevelDB journal, with the region managers taking a snapshot every few
 * entries, so that a crashed region recovers from its latest snapshot and the entries after it (and a crash may be
 * asked for while the snapshot after a write is being stored, or while older snapshots are being deleted: the region
 * throws once both are done, see EntityActor#quiet). At a quiet moment
 * every entity comes back with exactly its state; under a concurrent load with crashes all along, every request is
 * answered once, the invariants hold, nothing is left reserved; and a new system on the same directory afterwards
 * recovers the same model (the crashes left the journal whole).
 */
@ExtendWith(LogCapturingExtension.class)
class CrashInjectionLevelDbTest {
    static final Placement VRAM = Placement.of(Place.of("VRAM"));
    static final Placement TT = Placement.of(Place.of("TT"));
    static final List<Placement> PLACEMENTS = List.of(VRAM, TT, Placement.of(Place.of("VRAM"), Place.of("TT")), Placement.of(Place.of("SYSTEM")));

    @Test
    void everyEntityCrashedAtRestRecoversItsStateRegionsFromTheirSnapshots(@TempDir Path dir) {
        Config config = RecoveryTest.config(dir, 3, false);
        Map<String, String> before;
        try (TtmSystem ttm = TtmSystem.start(config)) {
            RecoveryTest.workload(ttm);
            quiesce(ttm);
            before = digests(ttm);
            for (String e : before.keySet()) {
                CrashReport r = join(ttm.crash(e));
                assertTrue(r.sameState(), r::toString);
                assertEquals(before.get(e), r.digestAfter(), e);
                if (e.equals("region:VRAM")) assertTrue(r.fromSnapshot(), "VRAM recovered from a snapshot: " + r);
            }
            quiesce(ttm);
            assertEquals(before, digests(ttm));
            assertEquals(List.of(), join(ttm.invariants()));
            assertEquals(Outcome.OK, join(ttm.unreserve("F", "keeper")).outcome(), "F's reservation survived the crash");
            assertEquals(Outcome.OK, join(ttm.signal("D")).outcome());
            quiesce(ttm);
            before = digests(ttm);
        }
        try (TtmSystem ttm = TtmSystem.start(config)) {
            assertEquals(List.of(), join(ttm.recovery()).mismatches());
            assertEquals(before, digests(ttm), "a new system recovers the model the crashes left");
        }
    }

    static final int BOS = 40;
    static final int CLIENTS = 4;
    static final int OPS = 150;

    @Test
    void crashesAllAlongAConcurrentLoadLoseNothing(@TempDir Path dir) throws Exception {
        Config config = RecoveryTest.config(dir, 3, true);
        Map<String, String> settled;
        AtomicLong issued = new AtomicLong();
        ConcurrentLinkedQueue<CompletableFuture<Reply>> all = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<CrashReport> reports = new ConcurrentLinkedQueue<>();
        try (TtmSystem ttm = TtmSystem.start(config)) {
            List<CompletableFuture<Reply>> made = new ArrayList<>();
            for (int i = 0; i < BOS; i++) made.add(ttm.create("b" + i, 16 * 4096, PLACEMENTS.get(i % PLACEMENTS.size())).toCompletableFuture());
            for (CompletableFuture<Reply> f : made) join(f);

            AtomicBoolean done = new AtomicBoolean();
            ConcurrentLinkedQueue<Throwable> failed = new ConcurrentLinkedQueue<>();
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int index = c;
                clients.add(new Thread(() -> {
                    try {
                        Random rng = new Random(31L * index + 7);
                        String owner = "c" + index;
                        for (int i = 0; i < OPS; i++) {
                            String bo = "b" + rng.nextInt(BOS);
                            Placement p = PLACEMENTS.get(rng.nextInt(PLACEMENTS.size()));
                            switch (rng.nextInt(5)) {
                                case 0 -> {
                                    if (await(ttm.reserve(bo, owner, null, false), issued, all).outcome() != Outcome.OK) problems.add("reserve " + bo);
                                    await(ttm.validate(bo, p, owner, false), issued, all);
                                    if (await(ttm.kmap(bo, owner), issued, all).outcome() == Outcome.OK) await(ttm.kunmap(bo, owner), issued, all);
                                    if (await(ttm.unreserve(bo, owner), issued, all).outcome() != Outcome.OK) problems.add("unreserve " + bo);
                                }
                                case 1 -> await(ttm.validate(bo, p, null, false), issued, all);
                                case 2 -> await(ttm.fault(bo, rng.nextInt(4)), issued, all);
                                case 3 -> {
                                    await(ttm.fence(bo), issued, all);
                                    await(ttm.validate(bo, p, null, false), issued, all); // busy: a pipelined move
                                    await(ttm.signal(bo), issued, all);
                                }
                                default -> await(ttm.unmap(bo), issued, all);
                            }
                        }
                    } catch (Throwable e) {
                        failed.add(e);
                    }
                }, "client-" + c));
            }
            Thread crasher = new Thread(() -> {
                try {
                    Random rng = new Random(99);
                    List<String> names = new ArrayList<>(List.of("VRAM", "TT", "SYSTEM", "io"));
                    for (int i = 0; i < BOS; i++) names.add("bo:b" + i);
                    while (!done.get()) {
                        List<CompletableFuture<CrashReport>> cs = new ArrayList<>();
                        List<String> targets = new ArrayList<>();
                        for (int k = 1 + rng.nextInt(2); k > 0; k--) {
                            String t = rng.nextInt(3) == 0 ? names.get(rng.nextInt(4)) : names.get(rng.nextInt(names.size())); // regions often
                            targets.add(t);
                            cs.add(ttm.crash(t).toCompletableFuture());
                        }
                        for (int k = 0; k < cs.size(); k++) {
                            try {
                                reports.add(cs.get(k).get(60, TimeUnit.SECONDS));
                            } catch (java.util.concurrent.TimeoutException e) {
                                throw new AssertionError("the crash of " + targets.get(k) + " did not complete (" + ttm.inFlight() + " in flight)", e);
                            }
                        }
                        Thread.sleep(3 + rng.nextInt(10));
                    }
                } catch (Throwable e) {
                    failed.add(e);
                }
            }, "crasher");
            clients.forEach(Thread::start);
            crasher.start();
            for (Thread t : clients) t.join();
            done.set(true);
            crasher.join();
            assertTrue(failed.isEmpty(), () -> "failed: " + failed);

            quiesce(ttm);
            for (CompletableFuture<Reply> f : all) assertTrue(f.isDone() && !f.isCompletedExceptionally(), "every request answered");
            assertEquals(issued.get(), all.size());
            assertTrue(problems.isEmpty(), () -> "problems: " + problems);
            List<CrashReport> different = reports.stream().filter(r -> !r.sameState()).toList();
            assertTrue(different.isEmpty(), () -> "recovered another state: " + different);
            assertTrue(reports.size() >= 10, "crashes: " + reports.size());
            assertTrue(reports.stream().anyMatch(r -> r.fromSnapshot()), "some region recovered from a snapshot");
            System.out.println("CrashInjectionLevelDbTest: " + issued.get() + " requests, " + reports.size() + " crashes ("
                    + reports.stream().filter(r -> r.deferredBy() > 0).count() + " waited for a write), "
                    + reports.stream().filter(CrashReport::fromSnapshot).count() + " recovered from a snapshot");
            assertEquals(List.of(), join(ttm.invariants()));
            for (int i = 0; i < BOS; i++) {
                String b = "b" + i;
                BoState s = join(ttm.read(v -> v.bo(b)));
                assertTrue(s.holder() == null && s.waiterCount() == 0 && s.op() == null, b + " left reserved or busy");
            }
            settled = digests(ttm);
        }
        try (TtmSystem ttm = TtmSystem.start(config)) {
            assertEquals(List.of(), join(ttm.recovery()).mismatches());
            assertEquals(settled, digests(ttm), "a new system recovers the model the crashes left");
            assertEquals(List.of(), join(ttm.invariants()));
        }
    }

    static Reply await(CompletionStage<Reply> stage, AtomicLong issued, ConcurrentLinkedQueue<CompletableFuture<Reply>> all) {
        issued.incrementAndGet();
        CompletableFuture<Reply> f = stage.toCompletableFuture();
        all.add(f);
        try {
            return f.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("not answered: " + e, e);
        }
    }
}
