package io.datamodels.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datamodels.IndexRange;
import io.datamodels.Json;
import io.datamodels.learn.ExternalConfig;
import io.datamodels.train.LearnerKind;
import io.datamodels.train.TrainOptions;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The options of a training run that say which learner, with which config, on which rows, how often retried, shared
 * as a picocli mixin by {@code datamodels train} and {@code datamodels spark train} (the spark module), so that both
 * read the same command line the same way.
 */
public final class LearnerOptions {
    @Option(names = "--learner", required = true, description = "mlp, softmax or external.")
    String learner;

    @Option(names = "--config", paramLabel = "FILE", description = "Learner config (JSON object; fields override the defaults).")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one config field, e.g. --set epochs=5 --set hidden=[128,64]. Repeatable.")
    List<String> sets = new ArrayList<>();

    @Option(names = "--rows", paramLabel = "A:B",
            description = "Train only rows (model indices) A..B-1; N alone means 0:N (default: every row).")
    String rows;

    @Option(names = "--retries", defaultValue = "" + TrainOptions.DEFAULT_RETRIES,
            description = "Extra attempts for a failed model (default ${DEFAULT-VALUE}).")
    int retries;

    @Option(names = "--command", paramLabel = "CMD",
            description = "External learner: shell command run per model, with {index} {seed} {mask} {out} (and "
                    + "more, see the README) replaced.")
    String command;

    @Option(names = "--worker", paramLabel = "CMD",
            description = "External learner: a long-lived worker command, one per thread, that trains model after "
                    + "model through the line protocol of the README (instead of --command).")
    String worker;

    @Option(names = "--timeout", paramLabel = "SECONDS",
            description = "External learner: seconds per model (default " + ExternalConfig.DEFAULT_TIMEOUT_SECONDS + ").")
    Integer timeout;

    /**
     * {@code --learner}.
     *
     * @throws io.datamodels.ConfigException for an unknown learner
     */
    public LearnerKind kind() {
        return LearnerKind.of(learner);
    }

    /**
     * {@code --retries}.
     *
     * @throws ParameterException for a negative count (exit code 2)
     */
    public int retries(CommandSpec spec) {
        if (retries < 0) {
            throw new ParameterException(spec.commandLine(), "--retries must be >= 0, got " + retries);
        }
        return retries;
    }

    /**
     * The rows to train, {@code [from, to)}, of a store of {@code numModels} rows: {@code --rows}, else every row.
     *
     * @throws ParameterException for a malformed range, or rows past the store's (exit code 2)
     */
    public long[] rows(CommandSpec spec, long numModels) {
        if (rows == null) {
            return new long[]{0, numModels};
        }
        IndexRange r = RangeArg.parseRows(spec, "--rows", rows);
        RangeArg.requireWithin(spec, "--rows", r, numModels);
        return new long[]{r.from(), r.to()};
    }

    /**
     * The config fields over the learner's defaults: {@code --config}'s object, then each {@code --set}, then the
     * external learner's {@code --command}, {@code --worker} and {@code --timeout}.
     *
     * @throws ParameterException for a malformed {@code --set}, or both {@code --command} and {@code --worker}
     */
    public ObjectNode overrides(CommandSpec spec) throws IOException {
        ObjectNode o = Json.object();
        if (config != null) {
            o.setAll(Json.readObject(config));
        }
        ConfigOverrides.apply(sets, o, spec);
        if (command != null && worker != null) {
            throw new ParameterException(spec.commandLine(), "--command and --worker: expected one of them, got both");
        }
        return ExternalConfig.setFields(o, command, worker, timeout);
    }
}
