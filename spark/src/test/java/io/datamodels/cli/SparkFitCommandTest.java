package io.datamodels.cli;

import io.datamodels.regress.Synthetic;
import io.datamodels.spark.SparkMain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code datamodels spark fit} with a target range and a model range, on more columns than one column block (a block
 * of two panels, then a partial one), writes the files of
 * {@code datamodels fit} with the same options byte for byte: column blocks, panel and slice boundaries that do not
 * line up with the target range's. (SparkFitTest has two blocks of models.)
 */
class SparkFitCommandTest {
    @TempDir
    Path tmp;

    @Test
    void aTargetRangeOverSeveralColumnBlocksGivesTheBytesOfTheLocalFit() throws Exception {
        // m = 600: column blocks of 512 (panels 0-1) and 88 (panel 2, partial); 800 models, 699 of them used.
        Path store = tmp.resolve("store");
        new Synthetic(600, 11, 8, 0.7, 1.0, 0.5, 17).writeStore(store, 800, Set.of(2, 400, 790));
        List<String> options = List.of("--store", store.toString(), "--y", "y", "--target-range", "3:10",
                "--rows", "40:740", "--val-fraction", "0.1", "--lambdas", "20", "--lambda-ratio", "0.01",
                "--threads", "1");
        Path local = tmp.resolve("local");
        List<String> fit = new ArrayList<>(List.of("fit"));
        fit.addAll(options);
        fit.addAll(List.of("--out", local.toString()));
        CliTest.Result r = CliTest.run(fit.toArray(String[]::new));
        assertEquals(0, r.code(), r.err() + r.out());

        Path spark = tmp.resolve("spark");
        List<String> sparkFit = new ArrayList<>(List.of("fit"));
        sparkFit.addAll(options);
        sparkFit.addAll(List.of("--out", spark.toString(), "--column-block", "512", "--slices", "3", "--master",
                "local[2]"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = SparkMain.run(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), sparkFit.toArray(String[]::new));
        String said = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8) + said);
        assertTrue(said.contains("spark fit: 7 targets, 600 training examples, 699 models"), said);
        io.datamodels.testing.FitFolders.assertSameFit(local, spark);
    }
}
