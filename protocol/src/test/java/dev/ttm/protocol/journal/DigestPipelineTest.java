package dev.ttm.protocol.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.DeviceConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The journal digest made on another thread ({@link DigestPipeline}) is the one made entry by entry on the fold's
 * thread, whatever the batches; a fold that stops on an exception neither hangs nor leaves a thread at work.
 */
class DigestPipelineTest {
    @Test
    void pipelinedFoldEqualsTheSingleThreadedOneOnEveryRecordedScenario() throws Exception {
        int entries = 0;
        for (Path p : JournalFoldTest.scenarios()) {
            RecordedRun run = RecordedRun.of(p);
            DeviceConfig device = run.journal().run().device().toDevice();
            List<JournalEntry> merged = run.merged();
            entries += merged.size();
            FoldResult inline = fold(new JournalFold(device, false), merged);
            assertEquals(byHand(merged), inline.digest(), p + ": the single-threaded fold's digest is JournalDigest's, line by line");
            assertEquals(inline, fold(new JournalFold(device), merged), p + ": default pipeline");
            // Tiny batches and queue: many hand-offs, the fold held back by a full queue, a partial last batch.
            assertEquals(inline, fold(new JournalFold(device, new DigestPipeline(true, 3, 1)), merged), p + ": batches of 3");
            assertEquals(inline, fold(new JournalFold(device, new DigestPipeline(true, 1, 2)), merged), p + ": batches of 1");
        }
        assertTrue(entries > 1000, "the scenarios hold " + entries + " entries: too few to cross batches");
    }

    @Test
    void digestAsksMidwayAndAgainAgree() throws Exception {
        List<JournalEntry> merged = RecordedRun.of(largest()).merged();
        DigestPipeline pipeline = new DigestPipeline(true, 4, 1);
        DigestPipeline inline = new DigestPipeline(false);
        for (int i = 0; i < merged.size(); i++) {
            pipeline.add(1, merged.get(i));
            inline.add(1, merged.get(i));
            if (i % 7 == 0) assertEquals(inline.hex(), pipeline.hex(), "after entry " + i);
        }
        assertEquals(inline.hex(), pipeline.hex());
        assertEquals(inline.hex(), pipeline.hex(), "asked twice");
    }

    @Test
    void linesOutsideAsciiAmongBatchedOnesHashAsOneByOne() throws Exception {
        List<JournalEntry> entries = new ArrayList<>();
        for (JournalEntry e : RecordedRun.of(largest()).merged())
            entries.add(e.seqNr() % 3 == 0 ? new JournalEntry(new Address.Bo("b\u00f8-" + e.seqNr()), e.seqNr(), e.recorded()) : e);
        for (int chunk : new int[] {1, 2, 5, 64, entries.size()}) {
            JournalDigest batched = new JournalDigest();
            for (int from = 0; from < entries.size(); from += chunk) {
                int n = Math.min(chunk, entries.size() - from);
                JournalEntry[] es = entries.subList(from, from + n).toArray(new JournalEntry[0]);
                batched.addAll(new int[n], es, n); // run 0 throughout: only the bytes' order matters here
                assertEquals(dev.ttm.protocol.model.StateDigest.canonical(es[n - 1].recorded().events()), batched.lastEvents());
            }
            JournalDigest zero = new JournalDigest();
            for (JournalEntry e : entries) zero.add(0, e);
            assertEquals(zero.hex(), batched.hex(), "chunks of " + chunk);
        }
    }

    @Test
    void aFoldStoppedByAnExceptionDoesNotHangAndItsPipelineRunsDry() throws Exception {
        RecordedRun run = RecordedRun.of(largest());
        DeviceConfig device = run.journal().run().device().toDevice();
        List<JournalEntry> merged = run.merged();
        DigestPipeline pipeline = new DigestPipeline(true, 2, 1);
        JournalFold fold = new JournalFold(device, pipeline);
        JournalEntry last = merged.get(merged.size() - 1);
        // An entry of a region the device does not have: the fold cannot take it.
        JournalEntry bad = new JournalEntry(new Address.Region("no-such-region"), 1,
                new Recorded(last.recorded().runId(), last.stamp() + 1, last.recorded().input(), List.of()));
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (JournalEntry e : merged) fold.apply(e);
            assertThrows(JournalFold.Unfoldable.class, () -> fold.apply(bad));
        });
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!pipeline.idle() && System.nanoTime() < deadline) Thread.sleep(10);
        assertTrue(pipeline.idle(), "the abandoned pipeline still hashes");
        for (Thread t : Thread.getAllStackTraces().keySet())
            if (t.getName().startsWith("ttm-journal-digest-")) assertTrue(t.isDaemon(), t + " would keep the JVM alive");
        // Idle hashing threads end soon after: none is left behind for good.
        while (digestThreads() > 0 && System.nanoTime() < deadline) Thread.sleep(50);
        assertEquals(0, digestThreads(), "hashing threads left running");
    }

    private static long digestThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("ttm-journal-digest-") && t.isAlive()).count();
    }

    private static Path largest() throws Exception {
        Path best = null;
        long most = -1;
        for (Path p : JournalFoldTest.scenarios()) {
            long n = RecordedRun.of(p).merged().size();
            if (n > most) {
                most = n;
                best = p;
            }
        }
        return best;
    }

    private static FoldResult fold(JournalFold f, List<JournalEntry> entries) {
        for (JournalEntry e : entries) f.apply(e);
        FoldResult r = f.finish();
        assertEquals(r, f.finish(), "finish twice");
        return r;
    }

    /** The digest made with {@link JournalDigest#add}, one entry at a time, runs numbered in order of appearance. */
    private static String byHand(List<JournalEntry> entries) {
        JournalDigest d = new JournalDigest();
        Map<String, Integer> runs = new HashMap<>();
        List<String> order = new ArrayList<>();
        for (JournalEntry e : entries) {
            int run = runs.computeIfAbsent(e.recorded().runId(), k -> {
                order.add(k);
                return order.size();
            });
            d.add(run, e);
        }
        return d.hex();
    }
}
