package io.datamodels.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs the machine's {@code python3} with numpy for cross-language checks. Tests call {@link #assumeNumpy()} first,
 * so they are skipped, not failed, where python3 or numpy is missing.
 */
public final class Python {
    private static final long TIMEOUT_S = 120;
    private static final java.util.Map<String, Boolean> CHECKS = new java.util.concurrent.ConcurrentHashMap<>();

    private Python() {
    }

    /** True if {@code python3 -c CODE} exits with status 0; checked once per JVM and code. */
    private static boolean works(String code) {
        return CHECKS.computeIfAbsent(code, c -> {
            try {
                Process p = new ProcessBuilder("python3", "-c", c)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
                boolean done = p.waitFor(60, TimeUnit.SECONDS);
                if (!done) {
                    p.destroyForcibly();
                }
                return done && p.exitValue() == 0;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
    }

    /** True if {@code python3 -c "import numpy"} succeeds. */
    public static boolean hasNumpy() {
        return works("import numpy");
    }

    /** Skips the calling test unless python3 with numpy is available. */
    public static void assumeNumpy() {
        assumeTrue(hasNumpy(), "skipped: python3 with numpy is not available (python3 -c \"import numpy\" failed); "
                + "this test checks .npy/store compatibility against numpy");
    }

    /** Skips the calling test unless python3 runs (numpy not needed). */
    public static void assumePython() {
        assumeTrue(works("pass"), "skipped: python3 is not available (python3 -c pass failed); this test checks "
                + "a Python reimplementation against ours");
    }

    /**
     * Runs {@code script} with {@code python3 - args...}, asserts exit status 0 and returns its stdout. On failure
     * the assertion message carries python's stderr.
     */
    public static String run(String script, String... args) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("dm-python-");
        try {
            Path src = dir.resolve("script.py");
            Path out = dir.resolve("stdout.txt");
            Path err = dir.resolve("stderr.txt");
            Files.writeString(src, script, StandardCharsets.UTF_8);
            List<String> cmd = new ArrayList<>(List.of("python3", src.toString()));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("python3 did not finish within " + TIMEOUT_S + " s");
            }
            String stderr = Files.readString(err, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), () -> "python3 failed:\n" + stderr);
            return Files.readString(out, StandardCharsets.UTF_8);
        } finally {
            try (var s = Files.list(dir)) {
                for (Path f : s.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }
}
