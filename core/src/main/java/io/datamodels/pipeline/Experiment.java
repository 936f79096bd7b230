package io.datamodels.pipeline;

import io.datamodels.data.DataBinding;
import io.datamodels.regress.FitRequest;
import io.datamodels.regress.Fitter;
import io.datamodels.store.Store;
import io.datamodels.train.InitOptions;
import io.datamodels.train.Runner;
import io.datamodels.train.StoreInit;
import io.datamodels.train.TrainOptions;
import io.datamodels.train.Training;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The common path of a datamodels experiment (Ilyas et al. 2022) in a few calls: create a store of random training
 * subsets, train one model per subset, fit a sparse linear datamodel per target, evaluate it on held-out models and
 * read it. Each verb is a thin call of the full operation underneath ({@link StoreInit}, {@link Training},
 * {@link Fitter}, {@link io.datamodels.eval.Lds}), which has every option.
 *
 * <pre>{@code
 * try (Experiment e = Experiment.create(dir, DataBinding.of("embedded", "0:500", "0:50"),
 *         InitOptions.builder(400).build())) {
 *     e.train(TrainOptions.builder(LearnerKind.SOFTMAX).build());
 *     Fitted fit = e.fit(dir.resolve("fit"));
 * }
 * }</pre>
 */
public final class Experiment implements AutoCloseable {
    private final Store store;

    private Experiment(Store store) {
        this.store = store;
    }

    /**
     * Creates a store in {@code dir} for {@code data}: one row per model, each with its random subset of the
     * training selection drawn from the options' root seed, and the data's fingerprints recorded.
     *
     * @throws java.nio.file.FileAlreadyExistsException if {@code dir} exists and the options do not replace it
     */
    public static Experiment create(Path dir, DataBinding data, InitOptions options) throws IOException {
        return new Experiment(StoreInit.create(dir, data, options));
    }

    /** Opens the existing store in {@code dir} (made by {@link #create} or the command line) to train and fit. */
    public static Experiment open(Path dir) throws IOException {
        return new Experiment(Store.open(dir, true));
    }

    /** The store underneath, for the full operations. */
    public Store store() {
        return store;
    }

    /** Trains every model row not yet completed; see {@link #train(TrainOptions, Runner.Listener)}. */
    public Training.Result train(TrainOptions options) throws IOException {
        return train(options, new Runner.Listener() {
        });
    }

    /**
     * Trains every model row not yet completed (rows completed before are kept: training resumes), with progress
     * reported to {@code listener}.
     *
     * @throws io.datamodels.store.StoreException if any model failed after its retries, naming the first
     */
    public Training.Result train(TrainOptions options, Runner.Listener listener) throws IOException {
        return Training.run(store, options, listener).requireNoFailures("train");
    }

    /** Fits datamodels on every completed model with the default options, into the new folder {@code out}. */
    public Fitted fit(Path out) throws IOException {
        return fit(out, FitRequest.defaults());
    }

    /** Fits datamodels as {@code request} says, into the folder {@code out}, and reads them back. */
    public Fitted fit(Path out, FitRequest request) throws IOException {
        Fitter.fit(store, out, request);
        return Fitted.load(out);
    }

    /** Closes the store. */
    @Override
    public void close() throws IOException {
        store.close();
    }
}
