package dev.ttm.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttm.actors.BoHandle;
import dev.ttm.actors.TtmSystem;
import dev.ttm.actors.runtime.Guardian;
import dev.ttm.protocol.journal.FoldResult;
import dev.ttm.protocol.journal.JournalEntry;
import dev.ttm.protocol.journal.JournalFold;
import dev.ttm.protocol.journal.JournalFormat;
import dev.ttm.protocol.model.BoState;
import dev.ttm.protocol.model.ModelView;
import dev.ttm.protocol.model.Outcome;
import dev.ttm.protocol.model.RegionState;
import dev.ttm.protocol.model.StateDigest;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The journal reader on a data directory written by a real {@code TtmSystem} (two runs: a start, then a restart on
 * the same directory): every entry read, merged by stamp, and folded through the model back to the state the live
 * system had; a copy of the directory gives the same digest; a directory in use is refused at once.
 */
@ExtendWith(LogCapturingExtension.class)
class JournalReaderTest {
    static Map<String, String> live(TtmSystem ttm) {
        ttm.awaitQuiescence(Duration.ofSeconds(10));
        return RecoveryTest.digests(ttm);
    }

    static Map<String, String> folded(ModelView v) {
        Map<String, String> out = new TreeMap<>();
        for (BoState b : v.bos()) out.put("bo:" + b.name(), StateDigest.digest(b));
        for (RegionState r : v.regions()) out.put("region:" + r.name(), StateDigest.digest(r));
        out.put("io", StateDigest.digest(v.io()));
        return out;
    }

    @Test
    void aJournalWrittenByTwoRunsFoldsBackToTheLiveStateAndItsCopyHasItsDigest(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("data");
        Map<String, String> before;
        try (TtmSystem ttm = TtmSystem.start(RecoveryTest.config(dir, 0, true))) {
            BoHandle a = ttm.bo("A");
            assertEquals(Outcome.OK, a.create(RecoveryTest.KIB64, RecoveryTest.VRAM).toCompletableFuture().join().outcome());
            assertEquals(Outcome.OK, ttm.bo("B").create(2 * RecoveryTest.KIB64, RecoveryTest.TT).toCompletableFuture().join().outcome());
            a.fault(0).toCompletableFuture().join();
            assertEquals(Outcome.OK, ttm.execbuf().add("A", RecoveryTest.TT).add("B", RecoveryTest.VRAM).fence().submit().toCompletableFuture().join().outcome());
            live(ttm);
        }
        try (TtmSystem ttm = TtmSystem.start(RecoveryTest.config(dir, 0, true))) {
            ttm.bo("B").pin().toCompletableFuture().join();
            ttm.bo("A").signal().toCompletableFuture().join();
            ttm.bo("A").destroy().toCompletableFuture().join();
            before = live(ttm);
        }
        JournalReader.Contents c = JournalReader.read(dir);
        assertEquals(2, c.runs().size());
        assertTrue(c.registry().contains(new Guardian.BoRegistered("A")), c.registry().toString());
        assertTrue(c.entries().size() > 20, "entries: " + c.entries().size());
        JournalFold fold = new JournalFold(c.runs().get(0).device().toDevice());
        for (JournalEntry e : c.entries()) fold.apply(e);
        FoldResult r = fold.finish();
        assertEquals(2, r.runs().size());
        assertEquals(java.util.List.of(), r.violations());
        assertTrue(r.firstDivergence().isEmpty(), r.firstDivergence().toString());
        assertEquals(java.util.List.of(), r.inFlight());
        assertEquals(before, folded(fold.model()));

        Path copy = tmp.resolve("copy");
        copyTree(dir, copy);
        JournalFold again = new JournalFold(c.runs().get(0).device().toDevice());
        for (JournalEntry e : JournalReader.read(copy).entries()) again.apply(e);
        assertEquals(r.digest(), again.finish().digest());
    }

    @Test
    void aDirectoryHeldByARunningSystemIsRefusedAtOnce(@TempDir Path tmp) {
        Path dir = tmp.resolve("data");
        try (TtmSystem ttm = TtmSystem.start(RecoveryTest.config(dir, 0, true))) {
            ttm.bo("A").create(RecoveryTest.KIB64, RecoveryTest.VRAM).toCompletableFuture().join();
            long t0 = System.nanoTime();
            JournalProblem p = assertThrows(JournalProblem.class, () -> JournalReader.read(dir));
            assertTrue(System.nanoTime() - t0 < 2_000_000_000L);
            assertEquals(JournalProblem.Kind.IN_USE, p.kind());
            assertTrue(p.getMessage().contains("pid " + ProcessHandle.current().pid()), p.getMessage());
        }
    }

    @Test
    void theRuntimesAndTheReaderAgreeOnTheJournalsLayout() {
        assertEquals(JournalFormat.REGISTRY_PID, Guardian.REGISTRY.id());
        assertEquals("bo:A", JournalFormat.pid(new dev.ttm.protocol.model.Address.Bo("A")));
        assertEquals(new dev.ttm.protocol.model.Address.Exec(7), JournalFormat.entity("exec:7"));
        assertEquals(dev.ttm.protocol.model.Address.IO, JournalFormat.entity("io"));
        assertEquals(null, JournalFormat.entity("ttm-runs"));
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            s.forEach(p -> {
                try {
                    if (!p.getFileName().toString().equals(DataDirLock.FILE)) Files.copy(p, to.resolve(from.relativize(p).toString()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
