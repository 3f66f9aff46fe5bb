package dev.ttm.tools;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ttm} command line. Exit status: what the subcommand returns; 2 for usage
 * errors (picocli's invalid-input code); 0 for {@code --help} and {@code --version}.
 *
 * <p>Deliberately neither {@link Runnable} nor {@link java.util.concurrent.Callable}: without a
 * subcommand picocli reports "Missing required subcommand" as a usage error (exit 2).
 */
@Command(
        name = "ttm",
        mixinStandardHelpOptions = true,
        versionProvider = TtmCommand.VersionProvider.class,
        description = "A concurrent model of the Linux TTM GPU memory manager.",
        subcommands = {RunCommand.class})
public final class TtmCommand {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** Exit status of an unexpected failure inside ttm itself (a bug, not bad input). */
    public static final int EXIT_INTERNAL = 3;

    /** The configured command line (also used by tests). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new TtmCommand());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("ttm: internal error: " + e);
            cmd.getErr().println("ttm: this is a bug in ttm; please report it with the command line and input files");
            return EXIT_INTERNAL;
        });
        return cl;
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
