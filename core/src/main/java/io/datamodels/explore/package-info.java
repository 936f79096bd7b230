/**
 * What fitted datamodels say (Ilyas et al. 2022, section 4): each target's strongest supporters and opposers, its
 * nearest targets in datamodel space ({@link io.datamodels.explore.Neighbours}), and an embedding of the targets by
 * their weight vectors: PCA and spectral clustering ({@link io.datamodels.explore.Embedding}). Positions map back
 * to source-dataset rows through {@link io.datamodels.explore.FitData}.
 */
package io.datamodels.explore;
