package dev.ttm.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.typesafe.config.ConfigFactory;
import dev.ttm.actors.config.TtmConfig;
import dev.ttm.persistence.JournalProblem;
import dev.ttm.persistence.JournalReader;
import dev.ttm.protocol.journal.JournalFold;
import dev.ttm.protocol.journal.RunStarted;
import dev.ttm.protocol.model.DeviceConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ttm replay DIR}: reads a data directory's journal offline, folds it through the model and reports. */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        versionProvider = TtmCommand.VersionProvider.class,
        description = {
            "Read the journal of a data directory (of a run that ended or crashed), fold it through the model in stamp order,"
                    + " check every invariant after every entry, and report: runs, entities, entries, stamps, invariants, leaks at"
                    + " the end, and a digest that is the same for the same journal.",
            "Exit status: 0 every invariant held, 1 an invariant was violated, 2 usage error, 3 internal error, 4 the data"
                    + " directory is in use by a running system, 5 not a journal or a damaged one, 6 --recheck found a divergence."
        })
public final class ReplayCommand implements Callable<Integer> {
    public static final int EXIT_OK = 0;
    public static final int EXIT_VIOLATED = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_IN_USE = 4;
    public static final int EXIT_BAD_JOURNAL = 5;
    public static final int EXIT_DIVERGED = 6;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The data directory (it holds journal/, the LevelDB journal).")
    Path dir;

    @Option(names = "--bo", paramLabel = "NAME", description = "Also print that BO's timeline: every event with its stamp, its cause and the BO's state after it.")
    String bo;

    @Option(names = "--at", paramLabel = "STAMP", description = "Also print the whole model as it was at STAMP: each region's memory map, window and LRU, each BO's state.")
    Long at;

    @Option(names = "--recheck", description = "Run today's decide on every journaled input and report the first entry where it decides otherwise.")
    boolean recheck;

    @Option(names = "--why", description = "Explain the first violation (and the first of each other invariant broken): the invariant, the entry that broke it and"
            + " the chain of earlier entries on the entities involved, in TTM's words.")
    boolean why;

    @Option(names = "--html", paramLabel = "FILE", description = "Also write FILE: one self-contained HTML page with the memory map over time per region,"
            + " the entries and the first violation highlighted.")
    Path html;

    @Option(names = "--json", description = "Print everything as one JSON object (for tools).")
    boolean json;

    @Option(names = TtmCommand.DEBUG, description = TtmCommand.DEBUG_HELP)
    boolean debug;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (at != null && at < 0) return usage(err, "--at takes a stamp, 0 or more, not " + at);
        JournalReader.Contents contents;
        try {
            contents = JournalReader.read(dir);
        } catch (JournalProblem p) {
            err.println("ttm replay: " + TtmCommand.oneLine(p.getMessage()));
            err.flush();
            return p.kind() == JournalProblem.Kind.IN_USE ? EXIT_IN_USE : EXIT_BAD_JOURNAL;
        }
        boolean recorded = !contents.runs().isEmpty();
        DeviceConfig device = recorded ? contents.runs().get(0).device().toDevice() : TtmConfig.from(ConfigFactory.load()).device();
        if (!recorded) err.println("ttm replay: " + dir + " journals no run record: folding on the device of the default configuration (ttm { })");
        for (RunStarted r : contents.runs())
            if (!r.device().equals(contents.runs().get(0).device()))
                err.println("ttm replay: run " + r.runId() + " declares another device than the first run; folding on the first run's");
        if (bo != null && !contents.entriesByPid().containsKey("bo:" + bo)) return usage(err, "no BO named '" + bo + "' in " + dir);
        Replay.Report report;
        try {
            report = Replay.fold(contents, device, recorded, new Replay.Ask(bo, at == null ? -1 : at, recheck, why, html != null), List.of());
        } catch (JournalFold.Unfoldable u) {
            err.println("ttm replay: " + dir + ": the model cannot fold it: " + TtmCommand.oneLine(u.getMessage()));
            err.flush();
            return EXIT_BAD_JOURNAL;
        }
        if (html != null) {
            try {
                Files.writeString(html, ReplayHtml.render(report), StandardCharsets.UTF_8);
            } catch (IOException x) {
                return usage(err, "cannot write " + html + ": " + x);
            }
        }
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(Replay.json(report)));
        } else {
            for (String line : Replay.text(report)) out.println(line);
        }
        out.flush();
        if (!report.result().invariantsHold()) return EXIT_VIOLATED;
        return report.diverged() ? EXIT_DIVERGED : EXIT_OK;
    }

    private static int usage(PrintWriter err, String message) {
        err.println("ttm replay: " + TtmCommand.oneLine(message) + " (try 'ttm replay --help')");
        err.flush();
        return EXIT_USAGE;
    }
}
