package io.datamodels.spark;

import io.datamodels.ConfigException;
import io.datamodels.data.DataFormatException;
import io.datamodels.store.StoreException;
import io.datamodels.store.npy.NpyFormatException;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;

/**
 * Entry point of the Spark jar: {@code ./datamodels spark train|fit ...}, or
 * {@code spark-submit --class io.datamodels.spark.SparkMain datamodels-spark.jar train|fit ...}. Exit codes are
 * those of the {@code datamodels} command line: 0 success, 1 some models failed (listed), 2 usage, 3 bad input,
 * 4 output error, 70 internal error.
 */
@Command(name = "datamodels spark", mixinStandardHelpOptions = true,
        description = "Train a store's models and fit datamodels on an Apache Spark cluster (or local[N]).",
        subcommands = {SparkTrainCommand.class, SparkFitCommand.class})
public final class SparkMain {
    static final int OK = 0;
    static final int PARTIAL_FAILURE = 1;
    static final int USAGE = 2;
    static final int INPUT = 3;
    static final int OUTPUT = 4;
    static final int INTERNAL = 70;

    /** The JVM options every executor needs for the core's kernels, set unless the user set their own. */
    public static final String EXECUTOR_JAVA_OPTIONS = "--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED";

    /** Spark contexts this class has made in this JVM (the tests check that bad input makes none). */
    static final java.util.concurrent.atomic.AtomicInteger CONTEXTS = new java.util.concurrent.atomic.AtomicInteger();

    private SparkMain() {
    }

    public static void main(String[] args) {
        System.exit(run(System.out, System.err, args));
    }

    /** Runs one command line in-process and returns its exit code; tests call this. */
    public static int run(PrintStream out, PrintStream err, String... args) {
        CommandLine cl = new CommandLine(new SparkMain());
        cl.setExpandAtFiles(false);
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            int code = exitCodeOf(ex);
            String msg = ex.getMessage() == null ? ex.toString() : ex.getMessage();
            cmd.getErr().println("spark " + cmd.getCommandName() + ": error: " + msg.lines().findFirst().orElse(msg));
            if (code == INTERNAL) {
                ex.printStackTrace(cmd.getErr());
            }
            cmd.getErr().flush();
            return code;
        });
        cl.setParameterExceptionHandler((ex, args2) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println("spark " + cmd.getCommandName() + ": " + ex.getMessage());
            cmd.getErr().println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for usage.");
            cmd.getErr().flush();
            return USAGE;
        });
        return cl.execute(args);
    }

    /** Bad input is 3, failed output 4, anything unexpected 70. */
    static int exitCodeOf(Throwable ex) {
        Throwable e = ex instanceof UncheckedIOException u ? u.getCause() : ex;
        if (e instanceof DataFormatException || e instanceof NpyFormatException || e instanceof ConfigException
                || e instanceof StoreException || e instanceof NoSuchFileException
                || e instanceof io.datamodels.regress.FitException || e instanceof java.net.ConnectException
                || e instanceof IllegalArgumentException) {
            return INPUT;
        }
        if (e instanceof FileAlreadyExistsException || e instanceof IOException) {
            return OUTPUT;
        }
        return INTERNAL;
    }

    /**
     * A Spark context for {@code master}: null takes the master that spark-submit passed ({@code spark.master}),
     * else {@code local[*]}. Checks the master first ({@link Masters#check}); gives the executors the core's JVM
     * options unless {@code spark.executor.extraJavaOptions} is set; in local mode no web UI, on the loopback address.
     */
    static JavaSparkContext context(String master, String appName) throws IOException {
        SparkConf conf = new SparkConf().setAppName(appName);
        if (master != null) {
            conf.setMaster(master);
        } else if (!conf.contains("spark.master")) {
            conf.setMaster("local[*]");
        }
        String m = conf.get("spark.master");
        Masters.check(m);
        if (!conf.contains("spark.executor.extraJavaOptions")) {
            conf.set("spark.executor.extraJavaOptions", EXECUTOR_JAVA_OPTIONS);
        }
        if (Masters.isLocal(m)) {
            // Everything runs in this JVM: no web UI, and the loopback address whatever the host name resolves to.
            conf.setIfMissing("spark.ui.enabled", "false");
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        }
        CONTEXTS.incrementAndGet();
        JavaSparkContext sc = new JavaSparkContext(conf);
        sc.setLogLevel("WARN");
        return sc;
    }
}
