package dev.ttm.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ttm.persistence.DataDirLock;
import dev.ttm.persistence.JournalWriter;
import dev.ttm.protocol.journal.Recorded;
import dev.ttm.protocol.journal.SimRecorder;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.Event;
import dev.ttm.protocol.scenario.ScenarioRunner;
import dev.ttm.protocol.scenario.ScenarioRuntime;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ttm run --journal} on both runtimes and {@code ttm replay} on what it wrote: the summary, the options, the
 * digest, and the exit statuses of a violated invariant, a divergence, a locked directory and a directory that holds
 * no journal.
 */
class ReplayCommandTest {
    static final Path EXAMPLES = Path.of("..", "examples");
    static final Path PIPELINED = EXAMPLES.resolve("13-pipelined-move.ttm");

    record Outcome(int status, String out, String err) {}

    static Outcome ttm(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = TtmCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        RunCommand run = cmd.getSubcommands().get("run").getCommand();
        run.out = new PrintStream(OutputStream.nullOutputStream()); // its statement lines
        int status = cmd.execute(args);
        return new Outcome(status, out.toString(), err.toString());
    }

    static String line(String out, String key) {
        for (String l : out.split("\n")) if (l.startsWith(key + " ")) return l.substring(key.length()).trim();
        throw new AssertionError("no line '" + key + "' in:\n" + out);
    }

    @Test
    void aSimulatorRunReplaysCleanAndTheSameScenarioGivesTheSameDigest(@TempDir Path tmp) {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        assertEquals(0, ttm("run", "--journal", a.toString(), PIPELINED.toString()).status());
        assertEquals(0, ttm("run", "--journal", b.toString(), PIPELINED.toString()).status());
        Outcome ra = ttm("replay", a.toString());
        Outcome rb = ttm("replay", b.toString());
        assertEquals(0, ra.status(), ra.out() + ra.err());
        assertEquals("1", line(ra.out(), "runs"));
        assertEquals("4 BOs, 3 regions, the IO manager, 0 execbufs", line(ra.out(), "entities"));
        assertEquals("ok (all checked after every entry)", line(ra.out(), "invariants"));
        assertTrue(ra.out().contains("  IO reservations: W (1 reference(s))"), ra.out());
        assertTrue(ra.out().contains("  messages in flight: none"), ra.out());
        // run ids differ; the digest leaves them out: the same scenario on the simulator, the same journal
        assertEquals(line(ra.out(), "digest"), line(rb.out(), "digest"));
        assertEquals(line(ra.out(), "digest"), line(ttm("replay", a.toString()).out(), "digest"));
        assertEquals("", ra.err(), "nothing on stderr");
    }

    @Test
    void anActorRuntimeRunReplaysCleanWithNoDivergence(@TempDir Path tmp) {
        Path dir = tmp.resolve("actors");
        assertEquals(0, ttm("run", "--runtime", "actors", "--journal", dir.toString(), EXAMPLES.resolve("23-execbuf-contention.ttm").toString()).status());
        Outcome r = ttm("replay", "--recheck", dir.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(line(r.out(), "recheck").startsWith("no divergence"), r.out());
        assertTrue(line(r.out(), "entities").startsWith("5 BOs, 3 regions, the IO manager, "), r.out());
        assertEquals("ok (all checked after every entry)", line(r.out(), "invariants"));
    }

    @Test
    void boTimelineAndModelAtAStampAndJson(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("j");
        assertEquals(0, ttm("run", "--journal", dir.toString(), PIPELINED.toString()).status());
        Outcome t = ttm("replay", "--bo", "A", dir.toString());
        assertEquals(0, t.status());
        String timeline = t.out().substring(t.out().indexOf("timeline of bo A"));
        assertTrue(timeline.contains("BufferObject.Created{sizePages=16,priority=0}"), timeline);
        assertTrue(timeline.contains("request from client:script"), timeline);
        assertTrue(timeline.contains("sent by region:"), timeline);
        assertTrue(timeline.contains("=> A VRAM[0..16)"), timeline);
        assertTrue(timeline.contains("destroyed"), timeline);

        Outcome at = ttm("replay", "--at", "60", dir.toString());
        String model = at.out().substring(at.out().indexOf("model at stamp 60"));
        assertTrue(model.contains("region VRAM: 64 pages, 64 used, CPU-visible window [0..32)"), model);
        assertTrue(model.contains("  [0..32)  W"), model);
        assertTrue(model.contains("  lru: W, I"), model);
        assertTrue(model.contains("bo W VRAM[0..32) fences=1"), model);

        Outcome j = ttm("replay", "--json", "--recheck", "--bo", "W", "--at", "60", dir.toString());
        assertEquals(0, j.status());
        JsonNode json = new ObjectMapper().readTree(j.out());
        assertEquals(line(ttm("replay", dir.toString()).out(), "digest"), json.get("digest").asText());
        assertTrue(json.get("invariantsHold").asBoolean());
        assertEquals(0, json.get("recheck").get("divergences").asLong());
        assertEquals("W", json.get("timeline").get("bo").asText());
        assertEquals("VRAM[0..32)", json.get("at").get("bos").get(2).get("where").asText());
        assertEquals(List.of("W (1 reference(s))"), List.of(json.get("leaks").get("ioReservations").get(0).asText()));
    }

    @Test
    void manyLeaksOfAKindAreCountedAndTheFirstListedWhileJsonListsAll(@TempDir Path tmp) throws IOException {
        int n = Replay.LEAKS_LISTED + 2;
        StringBuilder scenario = new StringBuilder("region VRAM size=1MiB visible=1MiB\nregion TT size=1MiB\n");
        for (int i = 0; i < n; i++) scenario.append("bo B").append(i).append(" size=4KiB in VRAM\nfault B").append(i).append(" page=0 expect MAPPED\n");
        Path file = Files.writeString(tmp.resolve("mapped.ttm"), scenario);
        Path dir = tmp.resolve("j");
        assertEquals(0, ttm("run", "--journal", dir.toString(), file.toString()).status());
        String io = ttm("replay", dir.toString()).out().lines().filter(l -> l.startsWith("  IO reservations: ")).findFirst().orElseThrow();
        assertTrue(io.startsWith("  IO reservations: " + n + ": B0 (1 reference(s)); "), io);
        assertTrue(io.endsWith("; and 2 more (--json lists them all)"), io);
        assertEquals(Replay.LEAKS_LISTED, io.split("; ").length - 1, io);
        JsonNode json = new ObjectMapper().readTree(ttm("replay", "--json", dir.toString()).out());
        assertEquals(n, json.get("leaks").get("ioReservations").size());
    }

    @Test
    void aViolatedInvariantExitsOne(@TempDir Path tmp) {
        Path dir = tmp.resolve("v3");
        ttm("run", "--journal", dir.toString(), EXAMPLES.resolve("08-v3-atomic-bugs.ttm").toString());
        Outcome r = ttm("replay", dir.toString());
        assertEquals(ReplayCommand.EXIT_VIOLATED, r.status(), r.out() + r.err());
        assertTrue(line(r.out(), "invariants").endsWith("violation(s)"), r.out());
        assertTrue(r.out().contains("INV-8"), r.out());
    }

    @Test
    void recheckReportsTheFirstEntryTodaysCodeDecidesOtherwise(@TempDir Path tmp) {
        SimRecorder.Journal j = record(PIPELINED);
        // Doctor bo:A's first entry: it now says the BO was created with 17 pages.
        Map<Address, List<Recorded>> doctored = new LinkedHashMap<>(j.entries());
        List<Recorded> a = new ArrayList<>(doctored.get(new Address.Bo("A")));
        Recorded first = a.get(0);
        List<Event> events = new ArrayList<>(first.events());
        events.set(0, new BufferObject.Created(17, 0));
        a.set(0, new Recorded(first.runId(), first.stamp(), first.input(), events));
        doctored.put(new Address.Bo("A"), a);
        Path dir = tmp.resolve("doctored");
        JournalWriter.write(dir, new SimRecorder.Journal(j.run(), doctored, j.bos(), j.execIdBlocks()));
        Outcome r = ttm("replay", "--recheck", dir.toString());
        assertEquals(ReplayCommand.EXIT_DIVERGED, r.status(), r.out() + r.err());
        assertTrue(line(r.out(), "recheck").contains("the first at stamp " + first.stamp() + ", bo:A sequence number 1"), r.out());
        assertTrue(line(r.out(), "  recorded").startsWith("[BufferObject.Created{sizePages=17"), r.out());
        assertTrue(line(r.out(), "  today").startsWith("[BufferObject.Created{sizePages=16"), r.out());
        assertEquals(0, ttm("replay", dir.toString()).status(), "without --recheck a divergence is not a failure");
    }

    static SimRecorder.Journal record(Path scenario) {
        SimRecorder[] rec = new SimRecorder[1];
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        ScenarioRunner.runFiles(List.of(scenario), quiet, quiet, new ScenarioRunner.Options(false, false, ScenarioRuntime.simulator(d -> {
            rec[0] = new SimRecorder("doctored", d);
            return List.of(rec[0]);
        })));
        return rec[0].journal();
    }

    @Test
    void aDirectoryInUseIsReportedAtOnce(@TempDir Path tmp) {
        Path dir = tmp.resolve("held");
        assertEquals(0, ttm("run", "--journal", dir.toString(), PIPELINED.toString()).status());
        try (DataDirLock held = DataDirLock.acquire(dir)) {
            long t0 = System.nanoTime();
            Outcome r = ttm("replay", dir.toString());
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "at once");
            assertEquals(ReplayCommand.EXIT_IN_USE, r.status());
            assertTrue(r.err().startsWith("ttm replay: data directory ") && r.err().contains("is in use") && r.err().contains("pid " + ProcessHandle.current().pid()),
                    r.err());
            assertEquals(1, r.err().lines().count(), r.err());
        }
    }

    @Test
    void aDirectoryWithoutAJournalOrWithGarbageNamesTheFile(@TempDir Path tmp) throws IOException {
        Outcome none = ttm("replay", tmp.resolve("nope").toString());
        assertEquals(ReplayCommand.EXIT_BAD_JOURNAL, none.status());
        assertTrue(none.err().contains("nope: no such directory"), none.err());

        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Outcome e = ttm("replay", empty.toString());
        assertEquals(ReplayCommand.EXIT_BAD_JOURNAL, e.status());
        assertTrue(e.err().contains("not a ttm data directory: " + empty.resolve("journal")), e.err());

        Path garbage = Files.createDirectories(tmp.resolve("garbage").resolve("journal"));
        Files.writeString(garbage.resolve("000001.log"), "not leveldb at all");
        Outcome g = ttm("replay", garbage.getParent().toString());
        assertEquals(ReplayCommand.EXIT_BAD_JOURNAL, g.status());
        assertTrue(g.err().contains(garbage.resolve("CURRENT") + ": missing"), g.err());

        Files.writeString(garbage.resolve("CURRENT"), "MANIFEST-000042\n");
        Outcome c = ttm("replay", garbage.getParent().toString());
        assertEquals(ReplayCommand.EXIT_BAD_JOURNAL, c.status());
        assertTrue(c.err().startsWith("ttm replay: " + garbage + ": LevelDB cannot open it: ") && c.err().contains("MANIFEST-000042"), c.err());
        for (Outcome o : List.of(none, e, g, c)) assertEquals(1, o.err().lines().count(), o.err());
    }

    @Test
    void aDamagedWriteAheadLogIsNamed(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("damaged");
        assertEquals(0, ttm("run", "--journal", dir.toString(), PIPELINED.toString()).status());
        Path log;
        try (var s = Files.list(dir.resolve("journal"))) {
            log = s.filter(p -> p.toString().endsWith(".log")).findFirst().orElseThrow();
        }
        byte[] b = Files.readAllBytes(log);
        for (int i = 200; i < Math.min(b.length, 2000); i += 7) b[i] ^= 0x5a;
        Files.write(log, b);
        Outcome r = ttm("replay", dir.toString());
        assertEquals(ReplayCommand.EXIT_BAD_JOURNAL, r.status(), r.out() + r.err());
        assertTrue(r.err().contains("LevelDB cannot") && r.err().contains(log.toString()), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void runJournalUsageErrors(@TempDir Path tmp) {
        Outcome two = ttm("run", "--journal", tmp.resolve("x").toString(), PIPELINED.toString(), PIPELINED.toString());
        assertEquals(2, two.status());
        assertTrue(two.err().contains("--journal records one scenario"), two.err());
        Path dir = tmp.resolve("full");
        assertEquals(0, ttm("run", "--journal", dir.toString(), PIPELINED.toString()).status());
        Outcome again = ttm("run", "--journal", dir.toString(), PIPELINED.toString());
        assertEquals(2, again.status());
        assertTrue(again.err().contains("already holds a journal"), again.err());
        Outcome bo = ttm("replay", "--bo", "nobody", dir.toString());
        assertEquals(2, bo.status());
        assertTrue(bo.err().contains("no BO named 'nobody'"), bo.err());
        assertFalse(ttm("replay", "--help").out().isEmpty());
        assertTrue(ttm("replay", "--help").out().contains("4 the data directory is in use"));
    }
}
