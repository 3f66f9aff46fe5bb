package dev.ttm.tools;

import dev.ttm.protocol.scenario.ScenarioRunner;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ttm run [--runtime sim] FILE...}: runs scenario files; exits with the runner's status. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        versionProvider = TtmCommand.VersionProvider.class,
        description = {
            "Run scenario files and check their expectations.",
            "Exit status: 0 all expectations held, 1 one failed, 2 usage or script error, 3 internal error."
        })
public final class RunCommand implements Callable<Integer> {

    static final List<String> RUNTIMES = List.of("sim");

    @Spec
    CommandSpec spec;

    @Option(
            names = "--runtime",
            paramLabel = "RUNTIME",
            defaultValue = "sim",
            description = "Where to run the scenarios. Supported: sim (the deterministic simulator; default).")
    String runtime;

    @Option(
            names = "--full-check",
            description = "Check every invariant on the whole device after every message (slow: a cross-check of the"
                    + " incremental checker, which only checks what each message touched).")
    boolean fullCheck;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Scenario files to run, in order.")
    List<Path> files;

    @Override
    public Integer call() {
        if (!RUNTIMES.contains(runtime)) {
            // Reported by picocli as a usage error: message and usage on stderr, exit status 2.
            throw new ParameterException(spec.commandLine(),
                    "Unsupported runtime '" + runtime + "' for --runtime (supported: " + String.join(", ", RUNTIMES) + ")");
        }
        return ScenarioRunner.runFiles(files, System.out, System.err, fullCheck);
    }
}
