package io.datamodels.report;

import io.datamodels.Json;
import io.datamodels.Provenance;
import io.datamodels.data.EmbeddedSample;
import io.datamodels.explore.Leakage;
import io.datamodels.explore.LeakageOptions;
import io.datamodels.kernel.Kernels;
import io.datamodels.pipeline.ExperimentConfig;
import io.datamodels.pipeline.Pipeline;
import io.datamodels.regress.Datamodels;
import io.datamodels.train.Runner;

import org.jsoup.nodes.Element;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Small real runs (embedded Fashion-MNIST, or a CSV written from it) for the report's tests. */
final class SmallRuns {
    private SmallRuns() {
    }

    /** Every stage, on 150 training images and 12 targets: seconds on 2 cores. */
    static final String IMAGES = """
            {"data": "embedded", "train": "150", "targets": "12", "learner": "softmax",
             "learner_config": {"epochs": 2}, "alpha": 0.5, "seed": 5, "models": 150, "held_out_models": 40,
             "lambdas": 20, "lambda_ratio": 0.01, "val_fraction": 0.1, "outlier_z": 50,
             "counterfactual": {"targets": "0:4", "k": [5, 10], "base": "full", "retrains": 2},
             "support": {"targets": "0:12", "max_k": 40, "grid": [10, 40], "retrains": 2}}
            """;

    /** The charts of a report of an {@link #IMAGES} run, in page order. */
    static final List<String> CHARTS = List.of("fig-lds-histogram", "fig-lds-scatter", "fig-counterfactual",
            "fig-support", "fig-pca-explained", "fig-pca-scores", "fig-clusters");

    /**
     * Redoes the run's {@code explore/leakage} as {@code explore leakage --threshold X --force} does, with X the
     * {@code rank}-th highest leakage score of its fit, so that at least {@code rank} pairs are flagged.
     */
    static void leakageAtRank(Path run, int rank) throws IOException {
        Datamodels dm = Datamodels.load(run.resolve("datamodels"));
        double[] s = Leakage.scores(dm);
        Arrays.sort(s);
        Leakage.write(Leakage.find(dm, LeakageOptions.defaults().withThreshold(s[s.length - rank])), 0,
                run.resolve("explore/leakage"), true, run.resolve("datamodels").toString(),
                Provenance.now("none", "explore leakage --threshold"));
    }

    /** Row q of the {@link #IMAGES} run's targets (the first rows of the sample's test split). */
    static float[] target(int q) {
        return EmbeddedSample.loadTest().row(q);
    }

    /** Row j of the {@link #IMAGES} run's training set (the first rows of the sample's training split). */
    static float[] train(int j) {
        return EmbeddedSample.loadTrain().row(j);
    }

    /**
     * Checks that {@code img} is an inline PNG of the 28 x 28 sample {@code row}: its grey levels a linear map of the
     * row's values (correlation above 0.999), decoded independently of the report's code.
     */
    static void assertPicture(Element img, float[] row) throws IOException {
        BufferedImage b = decode(img);
        double[] px = new double[row.length];
        for (int i = 0; i < px.length; i++) {
            px[i] = b.getRaster().getSample(i % 28, i / 28, 0);
        }
        double mx = Arrays.stream(px).average().orElseThrow();
        double my = 0;
        for (float v : row) {
            my += v;
        }
        my /= row.length;
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < px.length; i++) {
            sxy += (px[i] - mx) * (row[i] - my);
            sxx += (px[i] - mx) * (px[i] - mx);
            syy += (row[i] - my) * (row[i] - my);
        }
        double r = sxy / Math.sqrt(sxx * syy);
        assertTrue(r > 0.999, img.attr("alt") + ": correlation with the example's pixels " + r);
    }

    /** The 28 x 28 inline PNG of {@code img}, decoded. */
    static BufferedImage decode(Element img) throws IOException {
        String src = img.attr("src");
        assertTrue(src.startsWith("data:image/png;base64,"), src);
        BufferedImage b = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(
                src.substring(src.indexOf(',') + 1))));
        assertEquals(28, b.getWidth());
        assertEquals(28, b.getHeight());
        return b;
    }

    static final Pipeline.Reporter QUIET = new Pipeline.Reporter() {
        @Override
        public void line(String text) {
        }

        @Override
        public Runner.Listener training(String what) {
            return new Runner.Listener() {
            };
        }
    };

    static Path run(Path dir, String config) throws IOException {
        ExperimentConfig cfg = Json.parse("test config", config, ExperimentConfig.class);
        Pipeline.run(cfg, dir, Kernels.gemm(), QUIET, "test");
        return dir;
    }

    /** A tabular CSV (label first, 6 features) of 120 rows and a run on it, without evaluations. */
    static Path tabular(Path tmp) throws IOException {
        StringBuilder csv = new StringBuilder("label,a,b,c,d,e,f\n");
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        for (int i = 0; i < 120; i++) {
            int y = i % 3;
            csv.append(y);
            for (int c = 0; c < 6; c++) {
                csv.append(',').append(String.format(java.util.Locale.ROOT, "%.4f", r.nextGaussian() + (c == y ? 2 : 0)));
            }
            csv.append('\n');
        }
        Path file = Files.createDirectories(tmp).resolve("tab.csv");
        Files.writeString(file, csv);
        String cfg = """
                {"data": "csv:%s#label=label", "train": "0:100", "targets": "100:120", "learner": "softmax",
                 "learner_config": {"epochs": 2}, "alpha": 0.5, "seed": 1, "models": 60, "held_out_models": 0,
                 "lambdas": 10, "lambda_ratio": 0.01, "val_fraction": 0.1, "outlier_z": 50}
                """.formatted(file);
        return run(tmp.resolve("tab-run"), cfg);
    }
}
