package io.datamodels.cli;

import io.datamodels.spark.SparkMain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The {@code ./datamodels spark} and {@code spark-submit} lines of README.md and BENCHMARKS.md run, in the order
 * written, after the documents' earlier {@code ./datamodels} lines on the same store (through the CLI): the CLI's
 * {@link DocsCommandsTest} leaves them to this test, where Spark is on the class path. As there, sizes are scaled
 * down and paths move into a temporary folder; the master becomes {@code local[2]}. For {@code spark-submit} (no
 * Spark installation here) the test checks the main class and the jar's path and runs the class with the arguments.
 */
class SparkDocsCommandsTest {
    private static final Map<String, Map<String, String>> SMALL = Map.of(
            "init", Map.of("--train", "300", "--targets", "20", "--models", "40"),
            "train", Map.of("--threads", "2"));
    private static final Set<String> PATHS = Set.of("--store", "--out");
    private static final String JAR = "spark/target/datamodels-spark.jar";

    @TempDir
    Path tmp;

    @Test
    void readmeSparkLinesRun() throws Exception {
        assertTrue(runAll("README.md") >= 3, "README.md: the Spark lines (local and spark-submit)");
    }

    @Test
    void benchmarksSparkLinesRun() throws Exception {
        runAll("BENCHMARKS.md");
    }

    private int runAll(String doc) throws Exception {
        Path root = DocsCommandsTest.root();
        Path shared = root.getParent().resolve("shared");
        List<String> lines = DocsCommandsTest.commandLines(Files.readString(root.resolve(doc)));
        Set<Integer> done = new HashSet<>();
        int ran = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            boolean submit = line.startsWith("spark-submit ");
            if (!line.startsWith("./datamodels spark ") && !submit) {
                continue;
            }
            if (line.contains("../shared/")) {
                assumeTrue(Files.isDirectory(shared.resolve("data")), "shared data not found; skipping " + doc);
            }
            List<String> words = DocsCommandsTest.shellWords(line);
            String store = moved(value(words, "--store"));
            for (int j = 0; j < i; j++) {
                String earlier = lines.get(j);
                if (done.contains(j) || !earlier.startsWith("./datamodels ") || earlier.startsWith("./datamodels spark ")) {
                    continue;
                }
                List<String> w = DocsCommandsTest.shellWords(earlier);
                if (store.equals(moved(value(w, "--store")))) {
                    String[] args = small(w.subList(1, w.size()), shared);
                    CliTest.Result r = CliTest.run(args);
                    assertEquals(0, r.code(), doc + ": `" + earlier + "` ran as " + String.join(" ", args) + "\n"
                            + r.err() + r.out());
                    done.add(j);
                }
            }
            List<String> args;
            if (submit) {
                int c = words.indexOf("--class");
                assertEquals(SparkMain.class.getName(), words.get(c + 1), doc + ": " + line);
                assertEquals(JAR, words.get(c + 2), doc + ": " + line);
                assertTrue(Files.isRegularFile(root.resolve("spark/pom.xml")), "the spark module builds " + JAR);
                args = new ArrayList<>(words.subList(c + 3, words.size()));
            } else {
                args = new ArrayList<>(words.subList(2, words.size()));
                int m = args.indexOf("--master");
                if (m >= 0) {
                    args.remove(m + 1);
                    args.remove(m);
                }
            }
            args.add("--master");
            args.add("local[2]");
            String[] a = small(args, shared);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = SparkMain.run(new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8), a);
            assertEquals(0, code, doc + ": `" + line + "` ran as " + String.join(" ", a) + "\n"
                    + err.toString(StandardCharsets.UTF_8) + out.toString(StandardCharsets.UTF_8));
            ran++;
        }
        return ran;
    }

    private static String value(List<String> words, String option) {
        int i = words.indexOf(option);
        return i >= 0 && i + 1 < words.size() ? words.get(i + 1) : "";
    }

    /** Relative paths, /tmp and the example's /shared mount point move into the test's folder. */
    private String moved(String path) {
        if (path.isEmpty()) {
            return path;
        }
        for (String prefix : List.of("/tmp/", "/shared/")) {
            if (path.startsWith(prefix)) {
                return tmp.resolve(path.substring(prefix.length())).toString();
            }
        }
        return Path.of(path).isAbsolute() ? path : tmp.resolve(path).toString();
    }

    private String[] small(List<String> words, Path shared) {
        Map<String, String> small = new java.util.LinkedHashMap<>(SMALL.getOrDefault(words.getFirst(), Map.of()));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i).replace("../shared/", shared + "/");
            String prev = i > 0 ? words.get(i - 1) : "";
            if (PATHS.contains(prev)) {
                w = moved(w);
            } else if (small.containsKey(prev)) {
                w = small.remove(prev);
            }
            out.add(w);
        }
        small.forEach((k, v) -> {
            out.add(k);
            out.add(v);
        });
        return out.toArray(String[]::new);
    }
}
