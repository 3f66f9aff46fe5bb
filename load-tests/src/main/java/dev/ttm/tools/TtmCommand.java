package dev.ttm.tools;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ttm.protocol.scenario.CrashReport;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code ttm} command line. Exit status: what the subcommand returns; 2 for usage
 * errors (picocli's invalid-input code, one line on stderr); 3 for an internal error (one line
 * on stderr, never a raw stack trace); 0 for {@code --help} and {@code --version}.
 *
 * <p>Deliberately neither {@link Runnable} nor {@link java.util.concurrent.Callable}: without a
 * subcommand picocli reports "Missing required subcommand" as a usage error (exit 2).
 */
@Command(
        name = "ttm",
        mixinStandardHelpOptions = true,
        versionProvider = TtmCommand.VersionProvider.class,
        description = "A concurrent model of the Linux TTM GPU memory manager.",
        subcommands = {RunCommand.class, ReplayCommand.class, LoadCommand.class})
public final class TtmCommand {

    /** Exit status of an unexpected failure inside ttm itself (a bug, not bad input). */
    public static final int EXIT_INTERNAL = 3;

    static final String DEBUG = "--debug";
    static final String DEBUG_HELP = "On an internal error, print the stack trace to stderr (default: to a log file"
            + " in the temp directory, named in the error line).";

    @Option(names = DEBUG, description = DEBUG_HELP)
    boolean debug;

    public static void main(String[] args) {
        // Logging set up before any thread logs: SLF4J otherwise queues the first calls made during its start and says
        // so on stderr in three lines (an actor system starts logging on several threads at once).
        org.slf4j.LoggerFactory.getILoggerFactory();
        int status;
        try {
            status = execute(commandLine(), args);
        } catch (Throwable e) {
            // Building the command line failed, or reporting did (out of memory): still no stack trace.
            System.err.println("ttm: internal error: " + e.getClass().getSimpleName());
            status = EXIT_INTERNAL;
        }
        System.exit(status);
    }

    /**
     * Runs {@code cl}; nothing escapes as a raw stack trace. picocli hands only Exceptions to the execution
     * exception handler: an Error (StackOverflowError, OutOfMemoryError) thrown by a command, or anything thrown
     * by picocli itself, propagates out of {@link CommandLine#execute} and is caught here.
     */
    static int execute(CommandLine cl, String[] args) {
        try {
            return cl.execute(args);
        } catch (Throwable e) {
            return internalError(e, cl);
        }
    }

    /** The configured command line (also used by tests). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new TtmCommand());
        // "@FILE" would read FILE as an argument list: "ttm run @s.ttm" must name the scenario file
        // "@s.ttm", and "@/dev/zero" must not hang before any of our own checks run.
        cl.setExpandAtFiles(false);
        cl.setParameterExceptionHandler(TtmCommand::usageError);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> internalError(e, cl));
        return cl;
    }

    /** One line on stderr; the stack trace above it with {@code --debug}, else in a log file the line names. */
    private static int internalError(Throwable e, CommandLine top) {
        PrintWriter err = top.getErr();
        String trace = CrashReport.keepStackTrace(e, err, debugRequested(top.getParseResult()));
        err.println("ttm: internal error: " + CrashReport.describe(e) + " (a bug in ttm; please report it with the"
                + " command line and input files; " + trace + ")");
        err.flush();
        return EXIT_INTERNAL;
    }

    /** Whether {@code --debug} was given to ttm or a subcommand (false when parsing did not get that far). */
    static boolean debugRequested(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption(DEBUG)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A usage error is one line on stderr, {@code COMMAND: message (try 'COMMAND --help')}: picocli's default
     * handler prints the whole usage text after the message, which buries the message.
     */
    private static int usageError(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        String name = cmd.getCommandSpec().qualifiedName();
        String suggestion = suggestion(e);
        cmd.getErr().println(name + ": " + oneLine(e.getMessage()) + suggestion + " (try '" + name + " --help')");
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** picocli's "did you mean" for a mistyped subcommand or option, as a clause of the one line. */
    private static String suggestion(ParameterException e) {
        if (!(e instanceof UnmatchedArgumentException u)) {
            return "";
        }
        List<String> s = u.getSuggestions();
        return s.isEmpty() ? "" : "; did you mean " + String.join(" or ", s) + "?";
    }

    /** A message as one line: user text in it (a file name, an argument) may hold line breaks or controls. */
    static String oneLine(String message) {
        return message == null ? "" : message.replaceAll("\\p{Cntrl}", "?");
    }

    /** The version string; {@code version.conf} is filtered by Maven with the project version. */
    public static String version() {
        Config conf = ConfigFactory.parseResourcesAnySyntax(TtmCommand.class.getClassLoader(), "version.conf");
        return conf.hasPath("ttm.version") ? conf.getString("ttm.version") : "unknown";
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"ttm " + version()};
        }
    }
}
