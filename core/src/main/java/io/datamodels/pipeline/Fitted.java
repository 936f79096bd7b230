package io.datamodels.pipeline;

import io.datamodels.eval.Lds;
import io.datamodels.regress.Datamodels;
import io.datamodels.regress.FitFolder;
import io.datamodels.regress.Fitter;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Fitted datamodels read back from their folder, with what the fit recorded and the evaluation that needs held-out
 * models.
 *
 * @param dir        the fit folder
 * @param summary    what the fit was made from and how it went ({@code fit.json})
 * @param datamodels the weights (m x T) and biases
 */
public record Fitted(Path dir, Fitter.Summary summary, Datamodels datamodels) {

    /** Reads the fit folder {@code dir}. */
    public static Fitted load(Path dir) throws IOException {
        FitFolder f = FitFolder.load(dir);
        return new Fitted(dir, f.summary(), f.datamodels());
    }

    /**
     * The linear datamodeling score on the completed models of {@code heldOut}: per target, the Spearman correlation
     * over held-out models between the predicted output (weights . mask + bias) and the actual one, with the default
     * checks (same data, no shared models) and options of {@link Lds.Options#defaults()}.
     */
    public Lds.Result lds(Experiment heldOut) throws IOException {
        return lds(heldOut, Lds.Options.defaults());
    }

    /** As {@link #lds(Experiment)}, with {@code options}. */
    public Lds.Result lds(Experiment heldOut, Lds.Options options) throws IOException {
        return Lds.run(dir, heldOut.store(), options);
    }

    /**
     * The {@code k} training examples with the largest positive weights for {@code target}, largest first, as
     * positions in the training selection (mask columns); fewer where fewer weights are positive.
     */
    public int[] topSupporters(int target, int k) {
        return datamodels.topSupporters(target, k);
    }
}
