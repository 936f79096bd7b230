package io.datamodels.cli;

import io.datamodels.ConfigException;
import io.datamodels.data.DataFormatException;
import io.datamodels.store.AtomicFiles;
import io.datamodels.store.StoreException;
import io.datamodels.store.npy.NpyFormatException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;

/** Entry point of {@code ./datamodels}: only maps the outcome of {@link #run} to the process exit code. */
@Command(name = "datamodels", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Datamodels (Ilyas et al. 2022): which training examples made this prediction?",
        subcommands = {InitCommand.class, InfoCommand.class, TrainCommand.class, FitCommand.class, PredictCommand.class,
                EvalCommand.class, AttributeCommand.class, ExploreCommand.class, RunCommand.class, DemoCommand.class, ReportCommand.class,
                MakeSampleCommand.class,
                BenchCommand.class, Main.Help.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(System.out, System.err, args));
    }

    /** Runs one command line in-process and returns its exit code; tests call this. */
    public static int run(PrintStream out, PrintStream err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        // '--train @FILE' must reach Selection as '@FILE', not be replaced by the file's contents (picocli's
        // argument files, on by default).
        cl.setExpandAtFiles(false);
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            int code = exitCodeOf(ex);
            String msg = message(ex, cmd.getCommandSpec().findOption("--force") != null);
            cmd.getErr().println(cmd.getCommandName() + ": error: " + msg.lines().findFirst().orElse(msg));
            if (code == ExitCodes.INTERNAL) {
                ex.printStackTrace(cmd.getErr());
            }
            cmd.getErr().flush();
            return code;
        });
        cl.setParameterExceptionHandler((ex, args2) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println(cmd.getCommandName() + ": " + ex.getMessage());
            cmd.getErr().println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for usage.");
            cmd.getErr().flush();
            return ExitCodes.USAGE;
        });
        return cl.execute(args);
    }

    /**
     * The message of {@code ex}; an existing output that the library did not replace names the {@code --force} flag
     * where the command has one.
     */
    static String message(Throwable ex, boolean hasForce) {
        Throwable e = ex instanceof UncheckedIOException u ? u.getCause() : ex;
        if (hasForce && e instanceof FileAlreadyExistsException f
                && io.datamodels.store.AtomicFiles.EXISTS.equals(f.getReason())) {
            return f.getFile() + ": already exists (pass --force to replace it)";
        }
        return ex.getMessage() == null ? ex.toString() : ex.getMessage();
    }

    /** Bad input is 3, failed output 4, anything unexpected 70. */
    static int exitCodeOf(Throwable ex) {
        Throwable e = ex instanceof UncheckedIOException u ? u.getCause() : ex;
        if (e instanceof DataFormatException || e instanceof NpyFormatException || e instanceof ConfigException
                || e instanceof StoreException || e instanceof NoSuchFileException
                || e instanceof io.datamodels.regress.FitException
                || e instanceof IllegalArgumentException) {
            return ExitCodes.INPUT;
        }
        if (e instanceof FileAlreadyExistsException || e instanceof IOException) {
            return ExitCodes.OUTPUT;
        }
        return ExitCodes.INTERNAL;
    }

    /** {@code help [COMMAND [SUBCOMMAND...]]}: the help of a command at any depth, e.g. {@code help eval lds}. */
    @Command(name = "help", helpCommand = true,
            description = "Show the help of a command, e.g. 'datamodels help eval lds'; without one, this help.")
    static final class Help implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Parameters(paramLabel = "COMMAND", arity = "0..*",
                description = "A command and its subcommands.")
        java.util.List<String> names = new java.util.ArrayList<>();

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            CommandLine cl = spec.commandLine().getParent();
            for (String n : names) {
                CommandLine sub = cl.getSubcommands().get(n);
                if (sub == null) {
                    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "COMMAND: expected a "
                            + "subcommand of '" + cl.getCommandSpec().qualifiedName() + "' ("
                            + String.join(", ", cl.getSubcommands().keySet()) + "), got '" + n + "'");
                }
                cl = sub;
            }
            cl.usage(spec.commandLine().getOut());
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }

    /** Prints the library version and the JDK. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"datamodels " + io.datamodels.Provenance.libraryVersion(),
                    "JDK " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + "), "
                            + System.getProperty("os.name") + " " + System.getProperty("os.arch")};
        }
    }
}
