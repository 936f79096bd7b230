package io.datamodels.report;

import io.datamodels.Json;
import io.datamodels.kernel.Kernels;
import io.datamodels.pipeline.ExperimentConfig;
import io.datamodels.pipeline.Pipeline;
import io.datamodels.train.Runner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
