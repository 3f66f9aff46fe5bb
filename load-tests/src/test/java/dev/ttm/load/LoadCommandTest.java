package dev.ttm.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ttm.persistence.JournalReader;
import dev.ttm.tools.LoadCommand;
import dev.ttm.tools.TtmCommand;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Smoke runs of {@code ttm load}: a few seconds each on a small device, end to end through the command line. */
class LoadCommandTest {
    /** A small device and population, so a run of a few seconds sees eviction. */
    static final String[] SMALL = {"--bos", "120", "--vram", "16MiB", "--window", "4MiB", "--tt", "32MiB",
        "--sizes", "4KiB:40,64KiB:30,256KiB:20,1MiB:8,4MiB:2", "--clients", "6", "--scanouts", "1", "--scanout-size", "1MiB"};

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int load(String... args) {
        CommandLine cl = TtmCommand.commandLine();
        LoadCommand cmd = cl.getSubcommands().get("load").getCommand();
        cmd.setStreams(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        List<String> all = new ArrayList<>(List.of("load"));
        all.addAll(List.of(args));
        return cl.execute(all.toArray(String[]::new));
    }

    private static String[] with(String[] a, String... more) {
        List<String> l = new ArrayList<>(List.of(a));
        l.addAll(List.of(more));
        return l.toArray(String[]::new);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aShortRunLeavesItsReportsAndAJournalThatReplaysClean(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data");
        Path reports = tmp.resolve("reports");
        int status = load(with(SMALL, "--data", data.toString(), "--report", reports.toString(), "--duration", "3s", "--warmup", "500ms",
                "--seed", "11", "--verify", "--assert", "violations=0", "--assert", "unanswered=0", "--assert", "ops>0"));
        assertEquals(0, status, out() + err());
        assertTrue(out().contains("verify: replayed") && out().contains("every invariant held after every entry"), out());
        assertTrue(out().contains("reports in " + reports), out());
        assertTrue(err().contains("seed 11"), err());
        JsonNode summary = new ObjectMapper().readTree(reports.resolve("summary.json").toFile());
        for (String key : List.of("seed", "driver", "walk", "journal", "duration_s", "ops", "ops_per_s", "violations", "evictions", "bytes_moved", "latency_ns"))
            assertTrue(summary.has(key), "summary.json has " + key + ": " + summary);
        assertEquals(11, summary.get("seed").asLong());
        assertEquals("leveldb", summary.get("journal").asText());
        assertTrue(summary.get("ops").asLong() > 0);
        JsonNode fault = summary.get("latency_ns").get("fault");
        for (String p : List.of("p50", "p99", "p999", "max")) assertTrue(fault.get(p).asLong() > 0, "fault " + p + ": " + fault);
        assertTrue(fault.get("p50").asLong() <= fault.get("p99").asLong() && fault.get("p99").asLong() <= fault.get("max").asLong());
        // Each latency splits into start delay and service time: the service part is never the longer.
        JsonNode service = summary.get("service_ns").get("fault");
        assertTrue(service.get("p99").asLong() > 0 && service.get("p99").asLong() <= fault.get("p99").asLong() * 102 / 100, service + " vs " + fault);
        for (String p : List.of("p50", "p99", "p999", "max")) assertTrue(summary.get("start_delay_ns").has(p), summary.get("start_delay_ns").toString());
        Path hgrm = reports.resolve("fault.hgrm");
        assertTrue(Files.readString(hgrm).contains("Value     Percentile TotalCount 1/(1-Percentile)"), Files.readString(hgrm));
        assertTrue(Files.readString(reports.resolve("report.html")).contains("<svg") || Files.size(reports.resolve("report.html")) > 0);
        // The journal stands on its own: a later reader folds it clean.
        JournalReader.Contents contents = JournalReader.read(data);
        assertEquals(1, contents.runs().size());
        assertTrue(Files.isReadable(data.resolve(LoadCommand.LOAD_CONF)));
    }

    @Test
    void aSecondRunMovesTheFirstJournalAside(@TempDir Path tmp) {
        Path data = tmp.resolve("data");
        assertEquals(0, load(with(SMALL, "--data", data.toString(), "--ops", "300", "--warmup", "0s", "--seed", "1")), err());
        assertEquals(0, load(with(SMALL, "--data", data.toString(), "--ops", "300", "--warmup", "0s", "--seed", "2")), err());
        assertTrue(err().contains("held an earlier run's journal: moved to"), err());
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(2, s.filter(p -> p.getFileName().toString().startsWith("data")).count());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theV3AtomicDriverIsCaughtAndTheRunSaysHowToExplainIt(@TempDir Path tmp) {
        Path data = tmp.resolve("data");
        int status = load(with(SMALL, "--data", data.toString(), "--driver", "v3-atomic", "--duration", "4s", "--warmup", "0s", "--seed", "1",
                "--mix", "fault:40,kmap:25,unmap:25,validate:10"));
        assertEquals(LoadCommand.EXIT_VIOLATED, status, out() + err());
        assertTrue(out().contains("invariant violation(s)") && out().contains("ttm replay " + data.toAbsolutePath() + " --why"), out());
    }

    @Test
    void aFailedAssertionHasItsOwnExitStatus(@TempDir Path tmp) {
        int status = load(with(SMALL, "--data", tmp.resolve("d").toString(), "--journal", "none", "--ops", "200", "--warmup", "0s",
                "--assert", "p99.fault<1ns", "--assert", "violations=0"));
        assertEquals(LoadCommand.EXIT_ASSERT, status, out() + err());
        assertTrue(out().contains("assert FAILED: p99.fault<1ns:") && out().contains("assert ok:     violations=0"), out());
    }

    @Test
    void injectedFaultsStillEndWithEveryInvariantAndEveryRequestAnswered(@TempDir Path tmp) {
        int status = load(with(SMALL, "--data", tmp.resolve("d").toString(), "--journal", "memory", "--duration", "3s", "--warmup", "0s",
                "--seed", "5", "--inject", "io-reserve=EBUSY@5ms", "--inject", "fault-notify=EIO@7ms", "--inject", "alloc=nospace@3ms",
                "--inject", "alloc.TT=busy@4ms", "--inject", "slow-moves=5", "--inject", "crash=any@150ms", "--assert", "violations=0", "--assert", "unanswered=0"));
        assertEquals(0, status, out() + err());
        assertTrue(out().matches("(?s).*injected: [0-9,]+ driver or allocator failures armed, [1-9][0-9,]* actor crashes.*"), out());
    }

    @Test
    void aComparisonRunsTheSameSeededWorkloadOnEachWalk(@TempDir Path tmp) throws Exception {
        Path reports = tmp.resolve("cmp");
        int status = load(with(SMALL, "--data", tmp.resolve("d").toString(), "--report", reports.toString(), "--journal", "none",
                "--compare-walks", "ticket,exec", "--duration", "2s", "--warmup", "500ms", "--seed", "8"));
        assertEquals(0, status, out() + err());
        assertTrue(out().contains("ticket") && out().contains("exec") && out().contains("EDEADLK back-offs"), out());
        JsonNode runs = new ObjectMapper().readTree(reports.resolve("compare.json").toFile());
        assertEquals(2, runs.size());
        assertEquals(8, runs.get(0).get("seed").asLong());
        assertEquals(8, runs.get(1).get("seed").asLong());
        assertEquals("ticket", runs.get(0).get("walk").asText());
        assertEquals("exec", runs.get(1).get("walk").asText());
        assertTrue(Files.size(reports.resolve("compare.html")) > 0 && Files.isRegularFile(reports.resolve("exec").resolve("summary.json")));
    }

    @Test
    void badOptionsAreUsageErrorsThatNameTheOption(@TempDir Path tmp) {
        assertEquals(2, load("--bos", "-3"));
        assertTrue(err().contains("--bos (ttm.load.bos: must be at least 1"), err());
        assertEquals(2, load("--journal", "none", "--verify"));
        assertTrue(err().contains("--verify replays the journal"), err());
        assertEquals(2, load("--resume", tmp.toString()));
        assertTrue(err().contains("holds no journal"), err());
    }

    /** --crash-after kills a child JVM mid-run; --resume picks its journal up, goes on, and the journal replays clean. */
    @Test
    void aCrashedRunResumes(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), TtmCommand.class.getName(), "load"));
        cmd.addAll(List.of(with(SMALL, "--data", data.toString(), "--duration", "60s", "--warmup", "0s", "--seed", "9", "--crash-after", "2s")));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "the child should kill itself after 2 s");
        assertEquals(137, p.exitValue(), Files.readString(tmp.resolve("child.log")));
        assertTrue(Files.readString(tmp.resolve("child.log")).contains("resume with: ttm load --resume"), Files.readString(tmp.resolve("child.log")));
        int status = load("--resume", data.toString(), "--duration", "2s", "--warmup", "0s", "--verify", "--assert", "violations=0");
        assertEquals(0, status, out() + err());
        assertTrue(out().contains("every invariant held after every entry"), out());
        assertEquals(2, JournalReader.read(data).runs().size());
        // Replay tells the crashed run from the one that stopped cleanly: the resume reclaimed what the dead
        // run's clients held (the scanout's kmap at least), and the resumed run closed its system.
        java.io.StringWriter json = new java.io.StringWriter();
        CommandLine cl = TtmCommand.commandLine();
        cl.setOut(new java.io.PrintWriter(json, true));
        assertEquals(0, cl.execute("replay", data.toString(), "--json"), json.toString());
        JsonNode runs = new ObjectMapper().readTree(json.toString()).get("runs");
        assertEquals("crashed", runs.get(0).get("ending").asText(), json.toString());
        assertEquals("clean", runs.get(1).get("ending").asText(), json.toString());
        assertTrue(runs.get(1).get("reclaims").asLong() > 0, json.toString());
    }
}
