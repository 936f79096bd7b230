package io.datamodels.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the real datasets in {@code shared/data} beside the repository (README there) by walking up from the working
 * directory; tests that need them are skipped, with a message, where the folder is absent.
 */
public final class SharedData {
    private static final Path ROOT = find();

    private SharedData() {
    }

    private static Path find() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared").resolve("data");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /** Returns {@code shared/data/<sub>}, skipping the calling test if it does not exist. */
    public static Path require(String sub) {
        assumeTrue(ROOT != null, "shared/data not found above " + Path.of("").toAbsolutePath()
                + "; skipping a test on real data");
        Path p = ROOT.resolve(sub);
        assumeTrue(Files.exists(p), "shared data " + p + " not found; skipping a test on real data");
        return p;
    }
}
