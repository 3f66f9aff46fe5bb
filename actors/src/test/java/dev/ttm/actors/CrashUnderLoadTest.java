package dev.ttm.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttm.actors.runtime.CrashReport;
import dev.ttm.protocol.model.BoState;
import dev.ttm.protocol.model.ModelView;
import dev.ttm.protocol.model.RegionState;
import dev.ttm.protocol.model.StateDigest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@link ConcurrencyTest}'s workload (many clients, a few hundred BOs under eviction pressure, every request checked
 * for its one reply, the invariants, nothing left reserved or waiting) with actor crashes injected all along: while
 * the clients run, a crasher thread makes one to three entities at a time throw (BOs in the middle of their
 * operations, the region managers in the middle of their eviction walks, the IO manager), over and over. Every
 * crashed entity must come back with the state it had ({@link CrashReport#sameState()}); the base test's checks then
 * show that no message was lost. Once settled, every region, the IO manager and a sample of BOs are crashed once more
 * and the monitor's digests of the whole model must not change.
 */
class CrashUnderLoadTest extends ConcurrencyTest {
    static final List<String> NOT_BOS = List.of("region:VRAM", "region:TT", "region:SYSTEM", "io");

    final ConcurrentLinkedQueue<CrashReport> reports = new ConcurrentLinkedQueue<>();

    @Override
    Runnable besideTheClients(long seed, AtomicBoolean clientsDone) {
        return () -> {
            Random rng = new Random(seed ^ 0x5eed);
            while (!clientsDone.get()) {
                int n = 1 + rng.nextInt(3);
                List<String> targets = new ArrayList<>();
                while (targets.size() < n) {
                    String t = rng.nextInt(4) == 0 ? NOT_BOS.get(rng.nextInt(NOT_BOS.size())) : "bo:" + pick(rng);
                    if (!targets.contains(t)) targets.add(t);
                }
                List<CompletableFuture<CrashReport>> crashes = new ArrayList<>();
                for (String t : targets) crashes.add(ttm.crash(t).toCompletableFuture());
                for (CompletableFuture<CrashReport> c : crashes) {
                    try {
                        reports.add(c.get(60, TimeUnit.SECONDS));
                    } catch (Exception e) {
                        throw new AssertionError("a crash did not complete: " + e, e);
                    }
                }
                try {
                    Thread.sleep(2 + rng.nextInt(8));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        };
    }

    @Override
    void afterSettling() {
        List<CrashReport> all = List.copyOf(reports);
        List<CrashReport> different = all.stream().filter(r -> !r.sameState()).toList();
        assertTrue(different.isEmpty(), () -> "recovered another state: " + different);
        long regions = all.stream().filter(r -> r.entity().toString().startsWith("region:")).count();
        long io = all.stream().filter(r -> r.entity().toString().equals("io")).count();
        long bos = all.size() - regions - io;
        long deferred = all.stream().filter(r -> r.deferredBy() > 0).count();
        System.out.println("CrashUnderLoadTest: " + all.size() + " crashes under load (" + bos + " BOs, " + regions + " regions, " + io
                + " IO manager), " + deferred + " of them waited for a write or a stash to finish; slowest recovery "
                + all.stream().mapToLong(CrashReport::nanos).max().orElse(0) / 1_000_000 + " ms");
        assertTrue(all.size() >= 20 && bos > 0 && regions > 0, "crashes under load: " + all.size());
        assertTrue(deferred > 0, "some crash came while its entity was writing (it threw once the write was done)");

        // At rest: crashing the regions, the IO manager and a sample of BOs changes nothing anywhere.
        Map<String, String> before = digests(ttm);
        List<String> targets = new ArrayList<>(NOT_BOS);
        for (int i = 0; i < BOS; i += 15) targets.add("bo:" + name(i));
        List<CompletableFuture<CrashReport>> crashes = new ArrayList<>();
        for (String t : targets) crashes.add(ttm.crash(t).toCompletableFuture());
        for (CompletableFuture<CrashReport> c : crashes) {
            CrashReport r = TestSystems.join(c);
            assertTrue(r.sameState(), r::toString);
            assertEquals(before.get(r.entity().toString()), r.digestAfter(), () -> r.entity() + ": not the state the monitor folded");
        }
        assertTrue(ttm.awaitQuiescence(Duration.ofSeconds(30)));
        assertEquals(before, digests(ttm));
        assertEquals(List.of(), TestSystems.join(ttm.invariants()));
    }

    static Map<String, String> digests(TtmSystem ttm) {
        return TestSystems.join(ttm.read((ModelView v) -> {
            Map<String, String> out = new TreeMap<>();
            for (BoState b : v.bos()) out.put("bo:" + b.name(), StateDigest.digest(b));
            for (RegionState r : v.regions()) out.put("region:" + r.name(), StateDigest.digest(r));
            out.put("io", StateDigest.digest(v.io()));
            return out;
        }));
    }
}
