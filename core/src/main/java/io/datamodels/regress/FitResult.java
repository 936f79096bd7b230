package io.datamodels.regress;

/**
 * What a LASSO-path fit computed, for m training examples (mask columns), T targets and a path of K lambdas. All
 * matrices are row-major; entries of the path past a target's early stop are NaN (or -1 for {@code nnz}). The arrays
 * are the result's own and are not copied by the accessors.
 *
 * @param trainSize           m
 * @param targets             T
 * @param lambdas             K, the path length
 * @param weights             m x T, raw 0/1 mask scale: prediction for target q = bias[q] + sum_j mask_j weights[j][q]
 * @param weightsStandardized m x T, on standardised masks (what the solver works on)
 * @param bias                T
 * @param lambda              T, the lambda chosen on the validation part and used in the refit
 * @param lambdaPath          T x K, the lambdas of each target's path, from its lambda_max down
 * @param valMse              T x K, validation mean squared error at each lambda
 * @param nnz                 T x K, non-zero weights at each lambda
 * @param kkt                 T x K, largest KKT violation at each lambda, relative to lambda
 * @param split               the train/validation split the path was run on (the refit used both parts)
 * @param constantColumns     mask columns constant over the fitted models (weight 0), ascending
 * @param outliers            models left out as outliers ({@link LassoConfig#outlierZ}), ascending
 * @param maxKkt              the largest KKT violation of the path and the refit, relative to lambda
 * @param targetsAtPathEnd    targets that chose the smallest lambda of the path
 */
public record FitResult(int trainSize, int targets, int lambdas, float[] weights, float[] weightsStandardized,
                        float[] bias, double[] lambda, double[] lambdaPath, double[] valMse, int[] nnz, float[] kkt,
                        ValidationSplit split, int[] constantColumns, int[] outliers, double maxKkt,
                        int targetsAtPathEnd) {
    /** Weight of training example {@code j} for target {@code q}, raw scale. */
    public float weight(int j, int q) {
        return weights[j * targets + q];
    }

    /** The fitted datamodels, to predict or rank supporters (shares the weight and bias arrays). */
    public Datamodels datamodels() {
        return Datamodels.of(trainSize, targets, weights, bias);
    }

    /** A copy with {@code outliers} recorded. */
    FitResult withOutliers(int[] o) {
        return new FitResult(trainSize, targets, lambdas, weights, weightsStandardized, bias, lambda, lambdaPath,
                valMse, nnz, kkt, split, constantColumns, o, maxKkt, targetsAtPathEnd);
    }
}
