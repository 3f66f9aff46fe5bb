package dev.ttm.tools;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.ttm.actors.TtmSystem;
import dev.ttm.actors.config.TtmConfig;
import dev.ttm.persistence.DataDirectoryInUseException;
import dev.ttm.persistence.JournalProblem;
import dev.ttm.persistence.JournalReader;
import dev.ttm.persistence.JournalWriter;
import dev.ttm.load.Assertion;
import dev.ttm.load.LoadResult;
import dev.ttm.load.LoadRun;
import dev.ttm.load.LoadSettings;
import dev.ttm.load.Reports;
import dev.ttm.protocol.journal.JournalFold;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code ttm load}: drives the actor runtime with a GPU workload under memory pressure, measures it, reports. */
@Command(
        name = "load",
        mixinStandardHelpOptions = true,
        versionProvider = TtmCommand.VersionProvider.class,
        sortOptions = false,
        description = {
            "Drive the actor runtime with a GPU workload under memory pressure (execbufs with fences, CPU faults, kmaps, pins,"
                    + " validates, unmaps, creates and destroys from many clients over BOs well larger than VRAM), measure"
                    + " latency per operation kind and throughput, check invariants, and leave a journal for `ttm replay`.",
            "Every option is a key of ttm.load { } (or ttm { }) in HOCON; --config FILE reads more.",
            "Exit status: 0 ok, 1 an invariant was violated, 2 usage error, 3 internal error, 4 the data directory is in use,"
                    + " 5 --verify could not read or fold the journal, 6 an --assert did not hold, 7 the run failed (requests"
                    + " unanswered, a client failed)."
        })
public final class LoadCommand implements Callable<Integer> {
    public static final int EXIT_OK = 0;
    public static final int EXIT_VIOLATED = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_IN_USE = 4;
    public static final int EXIT_BAD_JOURNAL = 5;
    public static final int EXIT_ASSERT = 6;
    public static final int EXIT_RUN_FAILED = 7;

    @Spec
    CommandSpec spec;

    // ---- where -------------------------------------------------------------------------------------------------
    @Option(names = "--data", paramLabel = "DIR", description = "The data directory: the journal lives here (default ./data, ttm.data-dir)."
            + " A directory holding an earlier run's journal is moved aside to DIR-TIMESTAMP first.")
    Path data;

    @Option(names = "--report", paramLabel = "DIR", description = "Where the reports go (default: a new folder under DATA/reports/).")
    Path report;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Any other setting, e.g. --set ttm.multihop=on (repeatable; over --config).")
    List<String> sets = new ArrayList<>();

    @Option(names = "--config", paramLabel = "FILE", description = "A HOCON file with ttm { } settings, under the options given here.")
    Path configFile;

    // ---- the device and runtime ---------------------------------------------------------------------------------
    @Option(names = "--journal", paramLabel = "KIND", description = "leveldb (default), memory or none (ttm.journal).")
    String journal;

    @Option(names = "--driver", paramLabel = "DRIVER", description = "simple, io-lru or v3-atomic (ttm.driver).")
    String driver;

    @Option(names = "--walk", paramLabel = "WALK", description = "The eviction walk: ticket, trylock or exec (ttm.walk).")
    String walk;

    @Option(names = "--vram", paramLabel = "SIZE", description = "VRAM's size (default 256MiB).")
    String vram;

    @Option(names = "--window", paramLabel = "SIZE", description = "VRAM's CPU-visible window (default 64MiB).")
    String window;

    @Option(names = "--tt", paramLabel = "SIZE", description = "TT's size (default 512MiB).")
    String tt;

    @Option(names = "--check", paramLabel = "on|off", description = "Check invariants during the run with the incremental checker (ttm.check, default on).")
    String check;

    // ---- the workload ---------------------------------------------------------------------------------------------
    @Option(names = "--seed", paramLabel = "N", description = "The seed of all the workload's randomness (default: random, printed).")
    String seed;

    @Option(names = "--bos", paramLabel = "N", description = "BOs in the population (ttm.load.bos).")
    String bos;

    @Option(names = "--sizes", paramLabel = "MIX", description = "BO size mix, SIZE:WEIGHT,... (ttm.load.sizes).")
    String sizes;

    @Option(names = "--scanouts", paramLabel = "N", description = "Pinned, kmapped scanout buffers (ttm.load.scanouts).")
    String scanouts;

    @Option(names = "--scanout-size", paramLabel = "SIZE", description = "Each scanout's size (ttm.load.scanout-size).")
    String scanoutSize;

    @Option(names = "--clients", paramLabel = "N", description = "Client actors (ttm.load.clients).")
    String clients;

    @Option(names = "--outstanding", paramLabel = "N", description = "Operations in progress per client (ttm.load.outstanding).")
    String outstanding;

    @Option(names = "--mix", paramLabel = "MIX", description = "Operation mix, OP:WEIGHT,... of execbuf, fault, validate, kmap, unmap, pin, churn (ttm.load.mix).")
    String mix;

    @Option(names = "--hot", paramLabel = "FRACTION:SHARE", description = "Skew: SHARE of the operations go to the first FRACTION of the BOs,"
            + " e.g. 0.2:0.8 (ttm.load.hot.fraction, ttm.load.hot.share).")
    String hot;

    @Option(names = "--execbuf-bos", paramLabel = "MIN-MAX", description = "BOs per execbuf (ttm.load.execbuf.min-bos, max-bos; default 1-4).")
    String execbufBos;

    @Option(names = "--fence-latency", paramLabel = "MIN-MAX", description = "How long the GPU takes to signal an execbuf's fence, e.g. 1ms-5ms"
            + " (ttm.load.execbuf.fence-latency).")
    String fenceLatency;

    @Option(names = "--gpu-queue", paramLabel = "N", description = "Unsignalled execbufs per client before the oldest is signalled at once (ttm.load.execbuf.gpu-queue).")
    String gpuQueue;

    @Option(names = "--pin-time", paramLabel = "DURATION", description = "How long a pin operation holds its pin (ttm.load.pin-time).")
    String pinTime;

    @Option(names = "--rate", paramLabel = "OPS", description = "Open model: operations per second over all clients; 0 = closed model (ttm.load.rate).")
    String rate;

    @Option(names = "--think-time", paramLabel = "DURATION", description = "Closed model: pause between a client's operations (ttm.load.think-time).")
    String thinkTime;

    @Option(names = "--duration", paramLabel = "DURATION", description = "How long the clients run, warm-up included (ttm.load.duration, default 30s).")
    String duration;

    @Option(names = "--ops", paramLabel = "N", description = "Run this many operations instead of a duration (ttm.load.operations).")
    String ops;

    @Option(names = "--warmup", paramLabel = "DURATION", description = "Not measured at the start (ttm.load.warmup, default 5s).")
    String warmup;

    @Option(names = "--inject", paramLabel = "WHAT=HOW[@EVERY]", description = "Inject faults (repeatable): io-reserve=EBUSY|ENOSPC|EIO,"
            + " fault-notify=EBUSY|ERESTARTSYS|EIO, alloc[.REGION]=nospace|busy (one call fails every EVERY, default 20ms),"
            + " slow-moves=FACTOR (the GPU signals fences FACTOR times later), crash=bo|region|io|any (an entity actor throws"
            + " mid-operation and recovers from the journal, every EVERY, default 500ms).")
    List<String> inject = new ArrayList<>();

    @Option(names = "--crash-after", paramLabel = "DURATION", description = "Crash drill: the process kills itself this long after the"
            + " clients start (exit status 137, no clean stop); needs the leveldb journal. Go on with --resume DIR.")
    String crashAfter;

    @Option(names = "--compare", paramLabel = "DRIVERS", description = "Run the same seeded workload on each driver (e.g. simple,io-lru),"
            + " one after the other, and compare them side by side (stdout, compare.html).")
    String compare;

    @Option(names = "--compare-walks", paramLabel = "WALKS", description = "The same with each eviction walk (e.g. ticket,trylock,exec).")
    String compareWalks;

    @Option(names = "--resume", paramLabel = "DIR", description = "Pick up the journal of data directory DIR (a run that crashed or"
            + " ended) and go on: the same device and workload (DIR/load.conf), the BOs as the journal left them.")
    Path resume;

    // ---- checks ----------------------------------------------------------------------------------------------------
    @Option(names = "--assert", paramLabel = "COND", description = "A threshold the run must meet, e.g. p99.fault<2ms or violations=0 (repeatable);"
            + " exit 6 when one does not hold.")
    List<String> asserts = new ArrayList<>();

    @Option(names = "--verify", description = "At the end, replay the journal (leveldb) and check every invariant after every entry.")
    boolean verify;

    @Option(names = TtmCommand.DEBUG, description = TtmCommand.DEBUG_HELP)
    boolean debug;

    /** Results go here; diagnostics and the progress line to {@link #err}. Tests replace them. */
    PrintStream out = System.out;
    PrintStream err = System.err;
    /** For tests: where results and diagnostics go. */
    public void setStreams(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
        this.terminal = false;
    }

    /** Whether to draw the progress line: on a terminal only. */
    boolean terminal = System.console() != null;

    @Override
    public Integer call() throws Exception {
        List<Assertion> checks = new ArrayList<>();
        for (String a : asserts) {
            try {
                checks.add(Assertion.parse(a));
            } catch (IllegalArgumentException e) {
                return usage("--assert " + e.getMessage());
            }
        }
        LoadSettings settings;
        try {
            settings = LoadSettings.from(config());
        } catch (TtmConfig.BadConfig e) {
            return usage(withOption(e.getMessage()));
        } catch (ParameterException e) {
            return usage(e.getMessage());
        }
        if (verify && !settings.journal().equals("leveldb")) return usage("--verify replays the journal: it needs --journal leveldb, not " + settings.journal());
        if (resume != null && !settings.ttm().check()) return usage("--resume reads the recovered model's BOs: it needs --check on");
        if (compare != null && compareWalks != null) return usage("--compare and --compare-walks: one comparison at a time");
        if ((compare != null || compareWalks != null) && (resume != null || !settings.crashAfter().isZero()))
            return usage("a comparison runs fresh workloads to their end: no --resume or --crash-after with it");
        Path dataDir = settings.dataDir().toAbsolutePath().normalize();
        if (compare != null || compareWalks != null) return compare(settings, dataDir, checks);
        Path reportDir = report != null ? report : dataDir.resolve("reports").resolve(LocalDateTime.now().format(STAMP));
        Outcome o = runOne(settings, null, dataDir, reportDir);
        if (o.status() != EXIT_OK) return o.status();
        LoadResult result = o.result();
        for (String line : Reports.text(result)) out.println(line);
        out.println("seed " + result.seed() + "; reports in " + reportDir + " (" + o.files().size() + " files: summary.json, report.html, *.hgrm)");
        if (settings.journal().equals("leveldb")) out.println("journal in " + dataDir + " (ttm replay " + dataDir + ")");
        int status = verify ? verify(dataDir) : EXIT_OK;
        status = worst(status, verdict(result));
        status = worst(status, asserts(checks, result, ""));
        out.flush();
        return status;
    }

    /** One run's result and report files, or the status it failed with before it had any. */
    private record Outcome(int status, LoadResult result, List<Path> files) {}

    /** Sets up the data directory, starts a system on it, runs the load, writes the reports. */
    private Outcome runOne(LoadSettings settings, String label, Path dataDir, Path reportDir) throws IOException {
        if (resume == null && settings.journal().equals("leveldb") && JournalWriter.holdsJournal(dataDir)) {
            Integer moved = moveAside(dataDir);
            if (moved != null) return new Outcome(moved, null, List.of());
        }
        String prefix = label == null ? "ttm load: " : "ttm load [" + label + "]: ";
        for (String line : settings.describe()) err.println(prefix + line);
        if (resume == null && settings.journal().equals("leveldb")) writeLoadConf(settings, dataDir);
        TtmSystem ttm;
        try {
            ttm = TtmSystem.start(settings.config());
        } catch (DataDirectoryInUseException e) {
            err.println("ttm load: " + TtmCommand.oneLine(e.getMessage()));
            return new Outcome(EXIT_IN_USE, null, List.of());
        }
        LoadResult result;
        try {
            LoadRun run = new LoadRun(settings, ttm, terminal ? progress() : null, err).crashWith(ttm::crash);
            if (resume != null) run.adopt();
            else run.setUp();
            result = run.run(label, dataDir, reportDir);
            run.tearDown();
        } catch (LoadRun.RunFailed e) {
            err.println(prefix + TtmCommand.oneLine(e.getMessage()));
            return new Outcome(EXIT_RUN_FAILED, null, List.of());
        } finally {
            ttm.close();
        }
        return new Outcome(EXIT_OK, result, Reports.write(result, reportDir));
    }

    /**
     * Runs the first variant unmeasured (no journal, no checker, no reports) for its warm-up time before a comparison:
     * the runs share one JVM, and without this the first would pay for the JIT compiler's work and look slower.
     */
    private void warmUpTheJvm(LoadSettings first) {
        if (first.warmup().isZero()) return;
        err.println("ttm load: warming the JVM up for " + first.warmup().toMillis() / 1000.0 + " s before the comparison (not measured)");
        Config c = first.config().withValue("ttm.journal", ConfigValueFactory.fromAnyRef("none"))
                .withValue("ttm.check", ConfigValueFactory.fromAnyRef("off"))
                .withValue("ttm.load.duration", ConfigValueFactory.fromAnyRef(first.warmup().toMillis() + "ms"))
                .withValue("ttm.load.operations", ConfigValueFactory.fromAnyRef(0))
                .withValue("ttm.load.warmup", ConfigValueFactory.fromAnyRef("0s"))
                .withValue("ttm.load.inject", ConfigValueFactory.fromIterable(List.of()));
        LoadSettings s = LoadSettings.from(c);
        try (TtmSystem ttm = TtmSystem.start(s.config())) {
            LoadRun run = new LoadRun(s, ttm, null, err);
            run.setUp();
            run.run("jit", null, null);
            run.tearDown();
        }
    }

    /** The exit status a result calls for by itself: unanswered requests, then violations. */
    private static int verdict(LoadResult r) {
        if (r.unanswered() > 0) return EXIT_RUN_FAILED;
        return r.violations().isEmpty() ? EXIT_OK : EXIT_VIOLATED;
    }

    private int asserts(List<Assertion> checks, LoadResult r, String prefix) {
        int status = EXIT_OK;
        for (Assertion a : checks) {
            boolean held = a.holds(r);
            out.println(prefix + (held ? "assert ok:     " : "assert FAILED: ") + a.describe(r));
            if (!held) status = worst(status, EXIT_ASSERT);
        }
        return status;
    }

    /** The first non-zero status stands (a run that failed says so before an assertion that then failed). */
    private static int worst(int a, int b) {
        return a != EXIT_OK ? a : b;
    }

    /**
     * {@code --compare simple,io-lru} / {@code --compare-walks ticket,trylock,exec}: the same seeded workload on each
     * driver or eviction walk, one after the other, each with its own journal (DATA/LABEL) and reports, then the
     * comparison side by side on stdout and in compare.html.
     */
    private int compare(LoadSettings base, Path dataDir, List<Assertion> checks) throws IOException {
        String key = compare != null ? "ttm.driver" : "ttm.walk";
        List<String> labels = new ArrayList<>();
        for (String l : (compare != null ? compare : compareWalks).split(",")) if (!l.isBlank()) labels.add(l.trim());
        if (labels.size() < 2) return usage((compare != null ? "--compare" : "--compare-walks") + " takes two or more, separated by commas");
        List<LoadSettings> variants = new ArrayList<>();
        for (String l : labels) {
            Config c = base.config().withValue(key, ConfigValueFactory.fromAnyRef(l))
                    .withValue("ttm.load.seed", ConfigValueFactory.fromAnyRef(base.seed()))
                    .withValue("ttm.data-dir", ConfigValueFactory.fromAnyRef(dataDir.resolve(l).toString()));
            try {
                variants.add(LoadSettings.from(c));
            } catch (TtmConfig.BadConfig e) {
                return usage((compare != null ? "--compare " : "--compare-walks ") + "'" + l + "': " + withOption(e.getMessage()));
            }
        }
        Path reportDir = report != null ? report : dataDir.resolve("reports").resolve(LocalDateTime.now().format(STAMP) + "-compare");
        warmUpTheJvm(variants.get(0));
        List<LoadResult> results = new ArrayList<>();
        int status = EXIT_OK;
        for (int i = 0; i < labels.size(); i++) {
            Path d = variants.get(i).dataDir().toAbsolutePath().normalize();
            Outcome o = runOne(variants.get(i), labels.get(i), d, reportDir.resolve(labels.get(i)));
            if (o.status() != EXIT_OK) return o.status();
            results.add(o.result());
            if (verify) status = worst(status, verify(d));
            status = worst(status, verdict(o.result()));
            status = worst(status, asserts(checks, o.result(), labels.get(i) + ": "));
        }
        for (String line : Reports.compareText(results)) out.println(line);
        Reports.writeCompare(results, reportDir);
        out.println("seed " + base.seed() + "; reports in " + reportDir + " (compare.html, compare.json, and each run's in its own folder)");
        if (base.journal().equals("leveldb")) out.println("journals in " + dataDir + "/{" + String.join(",", labels) + "} (ttm replay DIR)");
        out.flush();
        return status;
    }

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    /** An earlier run's journal is never overwritten or lost: its whole data directory moves to DIR-TIMESTAMP. */
    private Integer moveAside(Path dataDir) {
        try (var lock = dev.ttm.persistence.DataDirLock.acquire(dataDir)) {
            // Only checking that no running system holds it.
        } catch (DataDirectoryInUseException e) {
            err.println("ttm load: " + TtmCommand.oneLine(e.getMessage()));
            return EXIT_IN_USE;
        }
        Path aside = dataDir.resolveSibling(dataDir.getFileName() + "-" + LocalDateTime.now().format(STAMP));
        try {
            Files.move(dataDir, aside);
        } catch (IOException e) {
            return usage(dataDir + " holds an earlier run's journal and could not be moved aside to " + aside + ": " + e.getMessage()
                    + "; choose another --data");
        }
        err.println("ttm load: " + dataDir + " held an earlier run's journal: moved to " + aside + " (ttm replay " + aside + ")");
        return null;
    }

    private int verify(Path dataDir) {
        JournalReader.Contents contents;
        try {
            contents = JournalReader.read(dataDir);
        } catch (JournalProblem p) {
            err.println("ttm load: --verify: " + TtmCommand.oneLine(p.getMessage()));
            return p.kind() == JournalProblem.Kind.IN_USE ? EXIT_IN_USE : EXIT_BAD_JOURNAL;
        }
        if (contents.runs().isEmpty()) {
            err.println("ttm load: --verify: " + dataDir + " journals no run");
            return EXIT_BAD_JOURNAL;
        }
        Replay.Report rep;
        try {
            rep = Replay.fold(contents, contents.runs().get(0).device().toDevice(), true, new Replay.Ask(null, -1, false, false, false), List.of());
        } catch (JournalFold.Unfoldable u) {
            err.println("ttm load: --verify: the model cannot fold " + dataDir + ": " + TtmCommand.oneLine(u.getMessage()));
            return EXIT_BAD_JOURNAL;
        }
        boolean ok = rep.result().invariantsHold();
        out.println("verify: replayed " + rep.result().entries() + " journal entries: "
                + (ok ? "every invariant held after every entry" : rep.result().violations().size() + " violation(s); ttm replay " + dataDir + " --why")
                + "; digest " + rep.result().digest());
        return ok ? EXIT_OK : EXIT_VIOLATED;
    }

    /** The configuration: the options as overrides of their keys, over --config FILE, over application.conf and the defaults. */
    Config config() {
        Map<String, Object> o = new LinkedHashMap<>();
        put(o, "ttm.data-dir", data == null ? null : data.toString());
        put(o, "ttm.journal", journal);
        put(o, "ttm.driver", driver);
        put(o, "ttm.walk", walk);
        put(o, "ttm.check", check);
        put(o, "ttm.load.seed", seed);
        put(o, "ttm.load.bos", bos);
        put(o, "ttm.load.sizes", sizes);
        put(o, "ttm.load.scanouts", scanouts);
        put(o, "ttm.load.scanout-size", scanoutSize);
        put(o, "ttm.load.clients", clients);
        put(o, "ttm.load.outstanding", outstanding);
        put(o, "ttm.load.mix", mix);
        put(o, "ttm.load.rate", rate);
        put(o, "ttm.load.think-time", thinkTime);
        put(o, "ttm.load.duration", duration);
        put(o, "ttm.load.operations", ops);
        put(o, "ttm.load.warmup", warmup);
        put(o, "ttm.load.crash-after", crashAfter);
        put(o, "ttm.load.pin-time", pinTime);
        put(o, "ttm.load.execbuf.gpu-queue", gpuQueue);
        pair(o, "--hot", hot, ":", "ttm.load.hot.fraction", "ttm.load.hot.share");
        pair(o, "--execbuf-bos", execbufBos, "-", "ttm.load.execbuf.min-bos", "ttm.load.execbuf.max-bos");
        pair(o, "--fence-latency", fenceLatency, "-", "ttm.load.execbuf.fence-latency.min", "ttm.load.execbuf.fence-latency.max");
        for (String kv : sets) {
            int eq = kv.indexOf('=');
            if (eq <= 0) throw new ParameterException(spec.commandLine(), "--set takes KEY=VALUE, not '" + kv + "'");
            String key = kv.substring(0, eq).trim();
            if (!key.startsWith("ttm.") && !key.startsWith("pekko."))
                throw new ParameterException(spec.commandLine(), "--set " + kv + ": only ttm.* and pekko.* settings");
            o.putIfAbsent(key, kv.substring(eq + 1).trim());
        }
        if (!inject.isEmpty()) o.put("ttm.load.inject", inject);
        Config base = ConfigFactory.load();
        if (resume != null) base = resumed(o).withFallback(base);
        if (configFile != null) {
            if (!Files.isReadable(configFile)) throw new ParameterException(spec.commandLine(), "--config " + configFile + ": cannot read it");
            try {
                base = ConfigFactory.parseFile(configFile.toFile()).withFallback(base);
            } catch (ConfigException e) {
                throw new ParameterException(spec.commandLine(), "--config " + TtmCommand.oneLine(e.getMessage()));
            }
        }
        Config c = ConfigFactory.parseMap(o, "command line").withFallback(regions(base)).withFallback(base);
        return c.withFallback(ConfigFactory.parseString("pekko.loglevel = WARNING")).resolve();
    }

    /** The file in a data directory that says which device and workload its journal was written with. */
    public static final String LOAD_CONF = "load.conf";

    /**
     * {@code --resume DIR}: the device and workload come from DIR's load.conf (what the journal was written with), the
     * data directory is DIR; the device and the population cannot be changed on the command line.
     */
    private Config resumed(Map<String, Object> o) {
        Path conf = resume.resolve(LOAD_CONF);
        if (!JournalWriter.holdsJournal(resume)) throw new ParameterException(spec.commandLine(), "--resume " + resume + ": holds no journal");
        if (!Files.isReadable(conf))
            throw new ParameterException(spec.commandLine(), "--resume " + resume + ": has no " + LOAD_CONF + " (not a data directory of ttm load)");
        for (String k : List.of("ttm.driver", "ttm.walk", "ttm.load.bos", "ttm.load.sizes", "ttm.load.scanouts", "ttm.load.scanout-size", "ttm.journal"))
            if (o.containsKey(k))
                throw new ParameterException(spec.commandLine(), OPTIONS.get(k) + ": a resumed run keeps the device and BOs of " + conf);
        if (vram != null || window != null || tt != null)
            throw new ParameterException(spec.commandLine(), "--vram/--window/--tt: a resumed run keeps the device of " + conf);
        o.put("ttm.data-dir", resume.toString());
        try {
            return ConfigFactory.parseFile(conf.toFile());
        } catch (ConfigException e) {
            throw new ParameterException(spec.commandLine(), "--resume: " + TtmCommand.oneLine(e.getMessage()));
        }
    }

    /** DATA/load.conf: the device and workload settings of this journal (the seed drawn), for --resume. */
    private void writeLoadConf(LoadSettings settings, Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        Config ttm = settings.config().withOnlyPath("ttm").withoutPath("ttm.data-dir").withoutPath("ttm.actors")
                .withValue("ttm.load.seed", ConfigValueFactory.fromAnyRef(settings.seed()))
                .withValue("ttm.load.crash-after", ConfigValueFactory.fromAnyRef("0s"));
        Files.writeString(dataDir.resolve(LOAD_CONF), "# The device and workload of the ttm load run that wrote this journal (for ttm load --resume).\n"
                + ttm.root().render(com.typesafe.config.ConfigRenderOptions.concise().setFormatted(true).setJson(false)) + "\n");
    }

    /** --vram, --window, --tt: the device's regions, as ttm.regions with those sizes. */
    private Config regions(Config base) {
        if (vram == null && window == null && tt == null) return ConfigFactory.empty();
        List<Map<String, Object>> regions = new ArrayList<>();
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("name", "VRAM");
        v.put("size", vram != null ? vram : "256MiB");
        v.put("visible", window != null ? window : "64MiB");
        regions.add(v);
        regions.add(Map.of("name", "TT", "size", tt != null ? tt : "512MiB"));
        return ConfigFactory.empty().withValue("ttm.regions", ConfigValueFactory.fromIterable(regions));
    }

    /** An option of two values ({@code 0.2:0.8}, {@code 1-4}) for two keys. */
    private void pair(Map<String, Object> o, String option, String value, String sep, String first, String second) {
        if (value == null) return;
        int at = value.indexOf(sep);
        if (at <= 0 || at == value.length() - 1) throw new ParameterException(spec.commandLine(), option + " takes A" + sep + "B, not '" + value + "'");
        o.put(first, value.substring(0, at).trim());
        o.put(second, value.substring(at + 1).trim());
    }

    private static void put(Map<String, Object> o, String key, String value) {
        if (value != null) o.put(key, value);
    }

    /** A config error names its key; on the command line, name the option too. */
    private String withOption(String message) {
        for (var e : OPTIONS.entrySet())
            if (message.startsWith(e.getKey() + ":") || message.startsWith(e.getKey() + "[") || message.contains(": " + e.getKey() + " ")
                    || message.contains(e.getKey() + " has"))
                return e.getValue() + " (" + message + ")";
        return message;
    }

    private static final Map<String, String> OPTIONS = Map.ofEntries(
            Map.entry("ttm.journal", "--journal"), Map.entry("ttm.driver", "--driver"), Map.entry("ttm.walk", "--walk"),
            Map.entry("ttm.check", "--check"), Map.entry("ttm.load.seed", "--seed"), Map.entry("ttm.load.bos", "--bos"),
            Map.entry("ttm.load.sizes", "--sizes"), Map.entry("ttm.load.scanouts", "--scanouts"), Map.entry("ttm.load.scanout-size", "--scanout-size"), Map.entry("ttm.load.clients", "--clients"),
            Map.entry("ttm.load.outstanding", "--outstanding"), Map.entry("ttm.load.mix", "--mix"), Map.entry("ttm.load.rate", "--rate"),
            Map.entry("ttm.load.think-time", "--think-time"), Map.entry("ttm.load.duration", "--duration"),
            Map.entry("ttm.load.operations", "--ops"), Map.entry("ttm.load.warmup", "--warmup"),
            Map.entry("ttm.load.inject", "--inject"), Map.entry("ttm.load.pin-time", "--pin-time"),
            Map.entry("ttm.load.execbuf.gpu-queue", "--gpu-queue"), Map.entry("ttm.load.hot.fraction", "--hot"), Map.entry("ttm.load.hot.share", "--hot"),
            Map.entry("ttm.load.execbuf.min-bos", "--execbuf-bos"), Map.entry("ttm.load.execbuf.max-bos", "--execbuf-bos"),
            Map.entry("ttm.load.execbuf.fence-latency.min", "--fence-latency"), Map.entry("ttm.load.execbuf.fence-latency.max", "--fence-latency"), Map.entry("ttm.load.crash-after", "--crash-after"), Map.entry("ttm.regions", "--vram/--window/--tt"));

    private LoadRun.Progress progress() {
        return new LoadRun.Progress() {
            int width;

            @Override
            public void line(String text) {
                err.print("\r" + text + " ".repeat(Math.max(0, width - text.length())));
                width = text.length();
                err.flush();
            }

            @Override
            public void done() {
                if (width > 0) err.println();
            }
        };
    }

    private int usage(String message) {
        err.println("ttm load: " + TtmCommand.oneLine(message) + " (try 'ttm load --help')");
        err.flush();
        return EXIT_USAGE;
    }
}
