package dev.ttm.tools;

import dev.ttm.actors.runtime.ActorScenarioRuntime;
import dev.ttm.actors.runtime.Settings;
import dev.ttm.persistence.DataDirLock;
import dev.ttm.persistence.DataDirectoryInUseException;
import dev.ttm.persistence.JournalWriter;
import dev.ttm.persistence.JournalingSimulator;
import dev.ttm.protocol.scenario.ScenarioRunner;
import dev.ttm.protocol.scenario.ScenarioRuntime;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code ttm run [--runtime sim|actors] FILE...}: runs scenario files; exits with the runner's status. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        versionProvider = TtmCommand.VersionProvider.class,
        description = {
            "Run scenario files and check their expectations.",
            "Exit status: 0 all expectations held, 1 one failed, 2 usage or script error, 3 internal error.",
            RunCommand.LIMITS
        })
public final class RunCommand implements Callable<Integer> {

    static final List<String> RUNTIMES = List.of("sim", "actors");

    /** Stated in the help because exceeding them is a script error the user cannot otherwise foresee. */
    static final String LIMITS = "Limits: a scenario file may hold at most " + (ScenarioRunner.MAX_FILE_BYTES >> 20)
            + " MiB and a line at most " + ScenarioRunner.MAX_LINE_CHARS + " characters.";

    @Spec
    CommandSpec spec;

    @Option(
            names = "--runtime",
            paramLabel = "RUNTIME",
            defaultValue = "sim",
            description = "Where to run the scenarios: sim (the deterministic simulator; default) or actors (the Pekko"
                    + " actor runtime, in-memory journal, real concurrency; `schedule random` is ignored there).")
    String runtime;

    @Option(names = TtmCommand.DEBUG, description = TtmCommand.DEBUG_HELP)
    boolean debug;

    @ParentCommand
    TtmCommand parent;

    @Option(
            names = "--full-check",
            description = "Check every invariant on the whole device after every message (slow: a cross-check of the"
                    + " incremental checker, which only checks what each message touched).")
    boolean fullCheck;

    @Option(
            names = "--journal",
            paramLabel = "DIR",
            description = "Journal the run in data directory DIR (LevelDB, the actor runtime's format; DIR must hold no journal yet),"
                    + " for `ttm replay DIR`. One FILE only.")
    Path journal;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Scenario files to run, in order.")
    List<Path> files;

    /** Where the runner prints (results) and reports (diagnostics); tests replace them. */
    PrintStream out = System.out;
    PrintStream err = System.err;

    @Override
    public Integer call() {
        if (!RUNTIMES.contains(runtime)) {
            // A usage error (TtmCommand's handler): one line on stderr, exit status 2.
            throw new ParameterException(spec.commandLine(),
                    "Unsupported runtime '" + runtime + "' for --runtime (supported: " + String.join(", ", RUNTIMES) + ")");
        }
        if (journal != null) checkJournalDir();
        ScenarioRuntime.Factory runtimes;
        if (journal == null) {
            runtimes = runtime.equals("actors") ? ActorScenarioRuntime.factory(Settings.Journal.MEMORY) : ScenarioRuntime.SIMULATOR;
        } else {
            runtimes = runtime.equals("actors") ? ActorScenarioRuntime.factory(Settings.Journal.LEVELDB, journal) : JournalingSimulator.factory(journal);
        }
        return ScenarioRunner.runFiles(files, out, err,
                new ScenarioRunner.Options(debug || (parent != null && parent.debug), fullCheck, runtimes));
    }

    /** A journal records one scenario, in a directory that holds none yet and that no system holds. */
    private void checkJournalDir() {
        if (files.size() != 1)
            throw new ParameterException(spec.commandLine(), "--journal records one scenario: give exactly one FILE, not " + files.size());
        if (JournalWriter.holdsJournal(journal))
            throw new ParameterException(spec.commandLine(), journal + " already holds a journal (" + journal.resolve("journal")
                    + "): give a new or empty directory");
        try {
            DataDirLock.acquire(journal).close();
        } catch (DataDirectoryInUseException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
