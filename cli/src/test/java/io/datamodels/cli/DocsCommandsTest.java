package io.datamodels.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every {@code ./datamodels} command line written in README.md and BENCHMARKS.md runs, in the order written, so the
 * documentation cannot rot. The commands run in-process through {@link Main#run} with three changes only: sizes are
 * scaled down ({@link #SMALL}), relative and {@code /tmp} paths move into a temporary folder, and {@code ../shared}
 * points at the real shared folder. Any other kind of command line in a code block must be listed in
 * {@link #NOT_RUN} with the reason, so a new one cannot slip through unchecked.
 */
class DocsCommandsTest {
    private static final Path ROOT = findRoot();

    /** Options set to a small value per command (replaced when written, appended when not). */
    private static final Map<String, Map<String, String>> SMALL = Map.ofEntries(
            Map.entry("init", Map.of("--train", "300", "--targets", "20", "--models", "40")),
            Map.entry("train", Map.of("--threads", "2")),
            Map.entry("demo", Map.of("--models", "60", "--held-out-models", "20")),
            Map.entry("bench gemm", Map.of("--size", "64", "--repeats", "1")),
            Map.entry("bench store", Map.of("--gib", "0.002")),
            Map.entry("bench train", Map.of("--models", "8", "--repeats", "1", "--train", "200", "--targets", "20")),
            Map.entry("bench fit", Map.of("--models", "120", "--train-size", "40", "--targets", "6",
                    "--check-targets", "1", "--lambdas", "10", "--nonzeros", "5")),
            Map.entry("eval counterfactual", Map.of("--target-range", "0:3", "--retrains", "2")),
            Map.entry("eval support", Map.of("--target-range", "0:3", "--retrains", "1")),
            Map.entry("explore embed-check", Map.of("--k", "5", "--retrains", "1")),
            Map.entry("attribute", Map.of("--models", "2")));

    /** Command lines in code blocks that this test does not run, by their first word(s), with the reason. */
    private static final Map<String, String> NOT_RUN = Map.of(
            "./mvnw", "the test command itself",
            "./datamodels spark ", "run by the spark module's SparkDocsCommandsTest (Spark is not on this class path)",
            "spark-submit", "needs a Spark installation; SparkDocsCommandsTest runs its class and arguments",
            "bash docs/experiments/spark-overhead.sh", "the Spark overhead benchmark (minutes of training)",
            "for i in 1 2; do python3 torch_w1.py", "the PyTorch peer (needs torch; a benchmark, not a test)",
            "bash docs/experiments/peer.sh", "the side-by-side benchmark with the PyTorch peer (needs torch)");

    /** Options whose value is a path: relative ones and those under /tmp move into the test's folder. */
    private static final Set<String> PATH_OPTIONS = Set.of("--store", "--out", "--model", "--masks", "--held-out",
            "--config", "--work", "--spec", "--fit", "--run", "--explore", "--lds", "--counterfactual", "--support",
            "--embed");

    @TempDir
    Path tmp;

    @Test
    void readmeCommandsRun() throws IOException, InterruptedException {
        runAll("README.md");
    }

    @Test
    void benchmarksCommandsRun() throws IOException, InterruptedException {
        runAll("BENCHMARKS.md");
    }

    private void runAll(String doc) throws IOException, InterruptedException {
        assumeTrue(ROOT != null, "repository root not found above " + Path.of("").toAbsolutePath());
        Path shared = ROOT.getParent().resolve("shared");
        List<String> lines = commandLines(Files.readString(ROOT.resolve(doc)));
        int ran = 0;
        for (String line : lines) {
            if (!line.startsWith("./datamodels ") || line.startsWith("./datamodels spark ")) {
                String reason = NOT_RUN.entrySet().stream().filter(e -> line.startsWith(e.getKey()))
                        .map(Map.Entry::getValue).findFirst().orElse(null);
                if (reason == null) {
                    fail(doc + ": a command line this test does not know how to check: " + line);
                }
                continue;
            }
            if (line.contains("../shared/") || line.startsWith("./datamodels bench train")) {
                assumeTrue(Files.isDirectory(shared.resolve("data")), "shared data not found; skipping " + doc);
            }
            if (line.contains("runs/madrylab") && !Files.exists(tmp.resolve("runs/madrylab"))) {
                // The README's example folders as MadryLab's initialize_store and workers leave them (numpy).
                assumeTrue(MadryLabStoreTest.hasNumpy(), "python3 with numpy not found; skipping " + doc);
                MadryLabStoreTest.python(tmp, MadryLabStoreTest.MADRYLAB_STORE, tmp.resolve("runs/madrylab").toString(),
                        tmp.resolve("runs/madrylab-spec.json").toString(), "300", "250", "1");
                MadryLabStoreTest.python(tmp, MadryLabStoreTest.MADRYLAB_STORE,
                        tmp.resolve("runs/madrylab-held-out").toString(),
                        tmp.resolve("runs/madrylab-held-out-spec.json").toString(), "120", "100", "2");
            }
            String[] args = smallArgs(shellWords(line.substring("./datamodels ".length())), shared);
            CliTest.Result r = CliTest.run(args);
            assertEquals(ExitCodes.OK, r.code(), doc + ": `" + line + "` ran as " + String.join(" ", args)
                    + "\n" + r.err() + r.out());
            ran++;
        }
        assertTrue(ran > 0, doc + ": no ./datamodels command found");
    }

    /** Scales sizes down and moves paths into the test's folder. */
    private String[] smallArgs(List<String> words, Path shared) {
        String command = words.size() > 1 && Set.of("bench", "eval", "explore").contains(words.get(0))
                ? words.get(0) + " " + words.get(1) : words.get(0);
        Map<String, String> small = new LinkedHashMap<>(SMALL.getOrDefault(command, Map.of()));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i).replace("../shared/", shared + "/");
            if (i > 0 && Set.of("--command", "--worker").contains(words.get(i - 1))) {
                // the documents' scripts are relative to the repository root; the test runs in the module folder
                w = w.replaceAll("(^|\\s)python/", "$1" + Matcher.quoteReplacement(ROOT.resolve("python") + "/"));
            } else if (i > 0 && PATH_OPTIONS.contains(words.get(i - 1))) {
                w = moved(w);
            } else if (i > 0 && small.containsKey(words.get(i - 1))) {
                w = small.remove(words.get(i - 1));
            }
            out.add(w);
        }
        small.forEach((k, v) -> {
            out.add(k);
            out.add(v);
        });
        if (command.equals("bench train") && !out.contains("--data")) {
            out.add("--data"); // its default, ../shared/data/fashion-mnist, is relative to the repository root
            out.add("idx:" + shared.resolve("data/fashion-mnist"));
        }
        if ((command.equals("demo") || command.equals("make-sample")) && !out.contains("--out")) {
            out.add("--out"); // their default output folders lie in the repository; demo's is demo-run, which the
            // README's later lines read (the explore commands on demo-run/datamodels)
            out.add(tmp.resolve(command.equals("demo") ? "demo-run" : command + "-out").toString());
        }
        return out.toArray(String[]::new);
    }

    private String moved(String path) {
        if (path.startsWith("/tmp/")) {
            return tmp.resolve(path.substring(1)).toString();
        }
        return Path.of(path).isAbsolute() ? path : tmp.resolve(path).toString();
    }

    /** A command written inline in the text or a table, as {@code `./datamodels ...`}. */
    private static final Pattern INLINE = Pattern.compile("`(\\./datamodels [^`]+)`");

    /**
     * The command lines of every fenced bash/sh/plain code block (continuation lines joined, comments removed) and
     * every inline {@code `./datamodels ...`} span, in the order written.
     */
    static List<String> commandLines(String markdown) {
        List<String> result = new ArrayList<>();
        boolean inBlock = false;
        boolean shell = false;
        StringBuilder pending = new StringBuilder();
        for (String raw : markdown.split("\n", -1)) {
            String line = raw.strip();
            if (line.startsWith("```")) {
                inBlock = !inBlock;
                String lang = line.substring(3).strip();
                shell = inBlock && (lang.isEmpty() || lang.equals("bash") || lang.equals("sh"));
                continue;
            }
            if (!inBlock) {
                Matcher m = INLINE.matcher(raw);
                while (m.find()) {
                    result.add(m.group(1).strip().replaceAll("\\s+", " "));
                }
                continue;
            }
            if (!shell) {
                continue;
            }
            String code = stripComment(line);
            if (code.endsWith("\\")) {
                pending.append(code, 0, code.length() - 1).append(' ');
                continue;
            }
            pending.append(code);
            String full = pending.toString().strip();
            pending.setLength(0);
            if (full.startsWith("./") || full.startsWith("for ") || full.startsWith("python") || full.startsWith("bash ")
                    || full.startsWith("spark-submit ")) {
                result.add(full.replaceAll("\\s+", " "));
            }
        }
        return result;
    }

    private static String stripComment(String line) {
        boolean single = false;
        boolean dbl = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\'' && !dbl) {
                single = !single;
            } else if (c == '"' && !single) {
                dbl = !dbl;
            } else if (c == '#' && !single && !dbl && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
                return line.substring(0, i).strip();
            }
        }
        return line.strip();
    }

    /** Splits a command line into words as a POSIX shell would for plain words and single or double quotes. */
    static List<String> shellWords(String s) {
        List<String> words = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    w.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(w.toString());
                    w.setLength(0);
                    inWord = false;
                }
            } else {
                w.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(w.toString());
        }
        return words;
    }

    @Test
    void theParserReadsBlocksContinuationsAndQuotes() {
        String md = """
                text ./datamodels not-in-a-block, but `./datamodels info --store  x` inline
                ```bash
                ./datamodels init --store runs/a \\
                    --models 20000   # a comment
                ./datamodels train --command 'python3 t.py --x {mask}' # another
                ```
                ```json
                {"./datamodels": 1}
                ```
                """;
        assertEquals(List.of("./datamodels info --store x", "./datamodels init --store runs/a --models 20000",
                "./datamodels train --command 'python3 t.py --x {mask}'"), commandLines(md));
        assertEquals(List.of("train", "--command", "python3 t.py --x {mask}", "--x=#1"),
                shellWords("train --command 'python3 t.py --x {mask}' --x=#1"));
    }

    /** The repository root (the folder with README.md and mvnw above the working directory). */
    static Path root() {
        assumeTrue(ROOT != null, "repository root not found above " + Path.of("").toAbsolutePath());
        return ROOT;
    }

    private static Path findRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("README.md")) && Files.exists(p.resolve("mvnw"))) {
                return p;
            }
        }
        return null;
    }
}
