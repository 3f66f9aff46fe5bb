package dev.ttm.protocol.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code ttm replay --why}'s core on recorded scenarios: the v3-atomic example's violations are explained in TTM's words
 * (the invariant, the breaking entry, the earlier steps with their stamps, the io_mem_reserve still in flight), and a
 * clean journal explains nothing.
 */
class WhyChainTest {
    static final Path EXAMPLES = Path.of("..", "examples");

    record Folded(EntryLog log, FoldResult result) {}

    static Folded fold(String example) {
        RecordedRun run = RecordedRun.of(EXAMPLES.resolve(example));
        JournalFold fold = new JournalFold(run.journal().run().device().toDevice());
        EntryLog log = new EntryLog(fold.device());
        fold.listen(log);
        for (JournalEntry e : run.merged()) fold.apply(e);
        return new Folded(log, fold.finish());
    }

    static String text(WhyChain.Why w) {
        StringBuilder b = new StringBuilder(w.summary()).append('\n');
        for (WhyChain.Step s : w.steps()) b.append("  ").append(s).append('\n');
        for (String f : w.inFlight()) b.append("  in flight: ").append(f).append('\n');
        return b.toString();
    }

    @Test
    void theV3AtomicExampleIsExplainedInTtmWords() {
        Folded f = fold("08-v3-atomic-bugs.ttm");
        List<WhyChain.Why> whys = WhyChain.explainFirsts(f.log(), f.result().violations());
        StringBuilder all = new StringBuilder();
        for (WhyChain.Why w : whys) all.append(text(w)).append('\n');
        assertEquals(List.of("INV-8", "INV-1", "INV-7"), whys.stream().map(w -> w.violation().violation().invariant()).toList(), all.toString());

        // bug 1: unmap_virtual frees an IO reservation that was never taken ("test for zero")
        String freed = text(whys.get(0));
        assertTrue(freed.startsWith("io_mem_free(A) on io at stamp 8 broke INV-8 (io-balance)"), freed);
        assertTrue(freed.contains("A never held an IO reservation"), freed);
        assertTrue(freed.contains("sent by unmap_virtual on bo:A at stamp 7"), freed);
        assertTrue(freed.contains("without testing for zero"), freed);
        assertTrue(freed.contains("stamp 4  bo:A: VRAM granted VRAM[0..16)"), freed);
        assertTrue(freed.contains("stamp 8  io: io_mem_free(A) (sent by bo:A at stamp 7): io_mem_free(A) called with no IO reservation outstanding   <== broke it"), freed);

        // bug 2, thread a: the flag flips outside the reservation of a pinned BO
        String flag = text(whys.get(1));
        assertTrue(flag.startsWith("kmap by a on bo:P at stamp 25 broke INV-1 (reservation)"), flag);
        assertTrue(flag.contains("P is pinned (pin count 1 since stamp 18)"), flag);
        assertTrue(flag.contains("outside the BO reservation"), flag);

        // bug 2, thread b: maps while thread a's io_mem_reserve is still in flight
        String race = text(whys.get(2));
        assertTrue(race.startsWith("kmap by b on bo:P at stamp 26 broke INV-7 (cpu-visible)"), race);
        assertTrue(race.contains("P's IO reference count was set to 1 by kmap by a at stamp 25 outside the BO reservation"), race);
        assertTrue(race.contains("its io_mem_reserve, sent at stamp 25, was still in flight (the IO manager took it only at stamp 27)"), race);
        assertTrue(race.contains("stamp 25  bo:P: kmap by a (from client:script): IO references now 1 (outside the BO reservation)"), race);
        assertTrue(race.contains("stamp 18  bo:P: VRAM granted VRAM[16..32)"), race);
        assertTrue(race.contains("in flight: io_mem_reserve(P) for a pinned BO, sent by bo:P at stamp 25 to io, taken only at stamp 27"), race);
        for (WhyChain.Why w : whys) {
            assertTrue(w.steps().size() <= WhyChain.MAX_STEPS, text(w));
            assertTrue(w.steps().get(w.steps().size() - 1).breaking(), "the breaking entry comes last: " + text(w));
            for (int i = 1; i < w.steps().size(); i++) assertTrue(w.steps().get(i - 1).stamp() < w.steps().get(i).stamp(), "stamp order: " + text(w));
        }
    }

    @Test
    void aCleanJournalHasNothingToExplain() {
        Folded f = fold("03-fault-and-unmap-virtual.ttm");
        assertTrue(f.result().invariantsHold());
        assertEquals(List.of(), WhyChain.explainFirsts(f.log(), f.result().violations()));
    }

    @Test
    void aViolationAtTheEndOfTheJournalIsExplainedFromTheLastEntryOnItsSubjects() {
        Folded f = fold("08-v3-atomic-bugs.ttm");
        StampedViolation atEnd = new StampedViolation(f.result().lastStamp(), null, f.result().violations().get(0).violation());
        WhyChain.Why w = WhyChain.explain(f.log(), atEnd);
        assertTrue(w.steps().get(w.steps().size() - 1).text().contains("A"), text(w));
        assertTrue(w.summary().startsWith("at the end of the journal (stamp 39), INV-8 (io-balance) did not hold"), w.summary());
    }
}
