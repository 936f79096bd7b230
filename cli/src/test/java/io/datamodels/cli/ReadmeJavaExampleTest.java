package io.datamodels.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.datamodels.store.npy.NpyArray;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's "Use it from Java" example, exactly as written, compiled against the built core artifact on the
 * module path (so only exported packages are visible, as to a user's code) and run in a fresh JVM without any
 * {@code --add-modules} flag (so the kernels must fall back by themselves).
 */
class ReadmeJavaExampleTest {
    private static final Pattern CLASS_NAME = Pattern.compile("public\\s+(?:final\\s+)?class\\s+(\\w+)");

    @TempDir
    Path tmp;

    /** The first {@code java} code block under the heading that contains {@code heading}. */
    static String javaBlock(String markdown, String heading) {
        int h = -1;
        for (String line : markdown.split("\n")) {
            h += line.length() + 1;
            if (line.startsWith("#") && line.contains(heading)) {
                int start = markdown.indexOf("```java\n", h);
                int end = start < 0 ? -1 : markdown.indexOf("\n```", start + 8);
                return start < 0 || end < 0 ? null : markdown.substring(start + 8, end + 1);
            }
        }
        return null;
    }

    /** Compiles {@code source} against the core module and runs its main class in {@code tmp}; returns stdout+stderr. */
    Run compileAndRun(String source) throws IOException, InterruptedException {
        Matcher m = CLASS_NAME.matcher(source);
        assertTrue(m.find(), "no public class in the example");
        String name = m.group(1);
        Path src = Files.createDirectories(tmp.resolve("src")).resolve(name + ".java");
        Files.writeString(src, source);
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        String modulePath = modulePath();
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        // An empty class path: javac would otherwise take this test's class path, where every core class is visible.
        // The only warning allowed is javac's note that the core module's optional Vector API module is incubating.
        int rc = javac.run(null, diagnostics, diagnostics, "--module-path", modulePath, "--add-modules",
                "io.datamodels", "-classpath", classes.toString(), "-Xlint:all,-incubating", "-Werror", "-d",
                classes.toString(), src.toString());
        assertEquals(0, rc, "the README's Java example does not compile against the core module:\n"
                + diagnostics.toString(StandardCharsets.UTF_8));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path out = tmp.resolve("stdout.txt");
        Path err = tmp.resolve("stderr.txt");
        Process p = new ProcessBuilder(java.toString(), "--module-path", modulePath, "--add-modules", "io.datamodels",
                "-cp", classes.toString(), name).directory(tmp.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the example did not finish in 300 s");
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    record Run(int code, String out, String err) {
    }

    /** The core artifact and the libraries it needs (Jackson, EJML), as a user's build would put them. */
    private static String modulePath() {
        List<String> entries = new ArrayList<>();
        entries.add(ApiBoundaryTest.coreArtifact().toString());
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(e).getFileName().toString();
            if (name.startsWith("jackson-") || name.startsWith("ejml-")) {
                entries.add(e);
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    @Test
    void theReadmeExampleCompilesAgainstTheModuleAndRuns() throws IOException, InterruptedException {
        Path readme = DocsCommandsTest.root().resolve("README.md");
        String code = javaBlock(Files.readString(readme), "Use it from Java");
        assertNotNull(code, "README.md: no ```java block under a 'Use it from Java' heading");
        Run r = compileAndRun(code);
        assertEquals(0, r.code(), "the README's Java example failed:\n" + r.err() + r.out());
        checkOutput(r);
    }

    @Test
    void codeOutsideTheExportsDoesNotCompile() throws IOException {
        // The oracle for the boundary itself: a public class of a package the module does not export is refused.
        Path src = Files.createDirectories(tmp.resolve("hidden")).resolve("UsesInternals.java");
        Files.writeString(src, """
                public class UsesInternals {
                    public static void main(String[] args) {
                        System.out.println(io.datamodels.internal.NpyCodec.class);
                    }
                }
                """);
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        Path out = Files.createDirectories(tmp.resolve("hidden-classes"));
        int rc = ToolProvider.getSystemJavaCompiler().run(null, diagnostics, diagnostics, "--module-path",
                modulePath(), "--add-modules", "io.datamodels", "-classpath", out.toString(), "-d", out.toString(),
                src.toString());
        String why = diagnostics.toString(StandardCharsets.UTF_8);
        assertEquals(1, rc, why);
        assertTrue(why.contains("package io.datamodels.internal is not visible"), why);
    }

    /**
     * What the example prints, against an independent computation from its files: the top supporters from
     * {@code weights.npy}, and the LDS as the mean over targets of the Spearman correlation between
     * {@code bias + masks @ weights} and the held-out margins.
     */
    private void checkOutput(Run r) throws IOException {
        Path q = tmp.resolve("quickstart");
        NpyArray w = NpyArray.open(q.resolve("fit/weights.npy"));
        NpyArray b = NpyArray.open(q.resolve("fit/bias.npy"));
        int m = (int) w.shape()[0];
        int t = (int) w.shape()[1];
        assertEquals(500, m);
        assertEquals(50, t);
        int[] top = IntStream.range(0, m).filter(j -> w.getDouble((long) j * t) > 0).boxed()
                .sorted((x, y) -> Double.compare(w.getDouble((long) y * t), w.getDouble((long) x * t)))
                .limit(5).mapToInt(Integer::intValue).toArray();
        assertTrue(top.length > 0, "target 0 has no positive weight");
        assertTrue(r.out().contains("target 0, top supporters: " + Arrays.toString(top)), r.out());

        NpyArray x = NpyArray.open(q.resolve("held-out/masks.npy"));
        NpyArray y = NpyArray.open(q.resolve("held-out/margins.npy"));
        int n = (int) x.shape()[0];
        assertEquals(40, n);
        double sum = 0;
        int defined = 0;
        for (int target = 0; target < t; target++) {
            double[] pred = new double[n];
            double[] actual = new double[n];
            for (int i = 0; i < n; i++) {
                double p = b.getDouble(target);
                for (int j = 0; j < m; j++) {
                    p += x.getDouble((long) i * m + j) * w.getDouble((long) j * t + target);
                }
                pred[i] = p;
                actual[i] = y.getDouble((long) i * t + target);
            }
            double rho = spearman(pred, actual);
            if (!Double.isNaN(rho)) {
                sum += rho;
                defined++;
            }
        }
        Matcher lds = Pattern.compile("LDS (-?[0-9.]+) over (\\d+) targets").matcher(r.out());
        assertTrue(lds.find(), r.out());
        assertEquals(t, Integer.parseInt(lds.group(2)));
        assertEquals(sum / defined, Double.parseDouble(lds.group(1)), 0.0015, r.out());
        assertTrue(sum / defined > 0.2, "LDS " + sum / defined + " is too low for 300 softmax models");
        // No JVM flag was given: one line says the Vector API kernels are off, and nothing failed.
        assertEquals(1, r.err().lines().filter(l -> l.contains("Vector API kernels are off")).count(), r.err());
        assertFalse(r.err().contains("Exception") || r.err().contains("Error:"), r.err());
    }

    /** Spearman's rho with average ranks for ties; NaN when either side is constant. */
    static double spearman(double[] a, double[] b) {
        double[] ra = ranks(a);
        double[] rb = ranks(b);
        double ma = Arrays.stream(ra).average().orElse(0);
        double mb = Arrays.stream(rb).average().orElse(0);
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int i = 0; i < a.length; i++) {
            sab += (ra[i] - ma) * (rb[i] - mb);
            saa += (ra[i] - ma) * (ra[i] - ma);
            sbb += (rb[i] - mb) * (rb[i] - mb);
        }
        return saa == 0 || sbb == 0 ? Double.NaN : sab / Math.sqrt(saa * sbb);
    }

    private static double[] ranks(double[] v) {
        Integer[] order = IntStream.range(0, v.length).boxed().sorted((i, j) -> Double.compare(v[i], v[j]))
                .toArray(Integer[]::new);
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; ) {
            int j = i;
            while (j + 1 < v.length && v[order[j + 1]] == v[order[i]]) {
                j++;
            }
            for (int k = i; k <= j; k++) {
                r[order[k]] = (i + j) / 2.0 + 1;
            }
            i = j + 1;
        }
        return r;
    }
}
