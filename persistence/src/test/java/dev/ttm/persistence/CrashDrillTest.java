package dev.ttm.persistence;

import dev.ttm.actors.BoView;
import dev.ttm.actors.InvariantReport;
import dev.ttm.actors.RegionView;
import dev.ttm.actors.Snapshot;
import dev.ttm.actors.TtmSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import dev.ttm.protocol.journal.JournalEntry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Crash drill: a child JVM runs a busy load on a LevelDB journal ({@link CrashDrillChild}) and is killed with
 * SIGKILL at a random moment; a system started on the same directory must then recover with every invariant
 * holding, nothing in flight, no reservation, kmap, IO reservation, CPU mapping or unsignalled fence left to the
 * dead run, no ghost, and stamps going on after the journal's last one. Twenty times in a row on one directory, so
 * each run also starts on what the previous kill left (and may itself be killed while it recovers).
 *
 * <p>The seed is logged; {@code -Dttm.seed=N} repeats a drill.
 */
class CrashDrillTest {
    static final int KILLS = Integer.getInteger("ttm.crash.kills", 20);

    @Test
    void killedAtRandomMomentsRecoversCleanly(@TempDir Path dir) throws Exception {
        long seed = Long.getLong("ttm.seed", System.nanoTime());
        System.out.println("CrashDrillTest seed " + seed + " (-Dttm.seed=" + seed + " repeats it)");
        SplittableRandom random = new SplittableRandom(seed);
        long lastStamp = 0;
        for (int k = 1; k <= KILLS; k++) {
            long delayMs = random.nextLong(0, 1500);
            Process child = startChild(dir, k);
            awaitReady(child, k);
            Thread.sleep(delayMs);
            child.destroyForcibly(); // SIGKILL
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child " + k + " did not die");
            String where = "kill " + k + " (seed " + seed + ", " + delayMs + " ms after ready)";
            checkAcknowledgedAreJournaled(dir, k, where);
            try (TtmSystem ttm = TtmSystem.start(CrashDrillChild.config(dir, true))) {
                assertTrue(ttm.awaitQuiescence(Duration.ofSeconds(30)), where + ": not quiescent after recovery");
                long first = ttm.wiring().lastStamp();
                assertTrue(first >= lastStamp, where + ": stamps went back from " + lastStamp + " to " + first);
                lastStamp = first;
                check(ttm, where);
            }
        }
    }

    private static Process startChild(Path dir, int k) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"), CrashDrillChild.class.getName(),
                dir.toString(), Integer.toString(k))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static void awaitReady(Process child, int k) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (!"ready".equals(line)) fail("child " + k + " did not start: " + line + " (exit " + (child.isAlive() ? "-" : child.exitValue()) + ")");
    }

    /** Operations that change a BO when they succeed: acknowledged OK, their request must have been journaled. */
    static final Set<String> CHANGING = Set.of("create", "reserve", "unreserve", "kmap", "kunmap", "pin", "unpin", "fence", "destroy", "execbuf");

    /** Every acknowledged, successful, changing operation of child {@code k} is in the journal it left. */
    private static void checkAcknowledgedAreJournaled(Path dir, int k, String where) throws IOException {
        Set<Long> taken = new HashSet<>();
        for (JournalEntry e : JournalReader.read(dir).entries()) taken.add(e.recorded().input().requestId());
        List<String> missing = new ArrayList<>();
        int checked = 0;
        for (String line : Files.readAllLines(dir.resolve("acks-" + k + ".log"))) {
            String[] f = line.split(" ");
            if (f.length < 4 || !f[1].equals("OK") || !CHANGING.contains(f[2])) continue; // a torn last line, or nothing to keep
            checked++;
            if (!taken.contains(Long.parseLong(f[0]))) missing.add(line);
        }
        assertEquals(List.of(), missing, where + ": acknowledged but not journaled (of " + checked + " checked)");
    }

    private static void check(TtmSystem ttm, String where) {
        InvariantReport report = ttm.invariantReport().toCompletableFuture().orTimeout(60, TimeUnit.SECONDS).join();
        assertTrue(report.violations().isEmpty(), where + ": " + report.violations());
        Snapshot s = ttm.views().toCompletableFuture().orTimeout(60, TimeUnit.SECONDS).join();
        List<String> leaks = new ArrayList<>();
        for (BoView b : s.bos().values()) {
            if (b.holder().isPresent()) leaks.add(b.name() + " reserved by " + b.holder().get());
            if (b.waiters() > 0) leaks.add(b.name() + " has " + b.waiters() + " waiters");
            if (!b.kmaps().isEmpty()) leaks.add(b.name() + " kmapped by " + b.kmaps());
            if (b.ioRefs() > 0) leaks.add(b.name() + " holds " + b.ioRefs() + " IO reservations");
            if (b.fences() > 0) leaks.add(b.name() + " has " + b.fences() + " unsignalled fences");
            if (b.mapped()) leaks.add(b.name() + " is still CPU-mapped");
        }
        for (RegionView r : s.regions().values())
            if (!r.ghosts().isEmpty()) leaks.add(r.name() + " keeps ghosts " + r.ghosts());
        assertEquals(List.of(), leaks, where + ": left to the dead run");
    }
}
