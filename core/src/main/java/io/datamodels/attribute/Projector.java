package io.datamodels.attribute;

import io.datamodels.subset.SeedStream;

/**
 * The random projection of TRAK (Park et al. 2023): a P x k matrix R with independent entries, Rademacher
 * ({@code +-1/sqrt(k)}, each with probability 1/2) or Gaussian ({@code N(0, 1/k)}), so that inner products of
 * projected gradients approximate those of the gradients (Johnson-Lindenstrauss). Row {@code p} comes from its own
 * stream {@code SeedStream(seed, p, SALT)}, so R is a function of (seed, P, k) alone and any block of rows can be
 * generated when needed: the matrix is never held whole (an MLP's would take P * k * 4 bytes).
 *
 * <p>An ensemble draws a fresh projection for every model, as TRAK's reference code and dattri do: {@link #forModel}
 * derives model {@code i}'s seed as the first value of {@code SeedStream(seed, i, MODEL_SALT)}. With one projection
 * shared by all models, the members of an ensemble of near-identical models (a convex learner) give near-identical
 * terms and the average is no better than one model; independent projections average out the projection's own
 * error.
 */
final class Projector {
    /** Parameters per projected block (gradient columns multiplied at once). */
    static final int BLOCK = 1024;
    static final long SALT = 0x50524F4AL; // "PROJ"
    /** Salt of the per-model projection seeds. */
    static final long MODEL_SALT = 0x50524F4A4DL; // "PROJM"

    private final long seed;
    private final int dim;
    private final AttributeOptions.Projection kind;

    Projector(long seed, int dim, AttributeOptions.Projection kind) {
        if (dim < 1) {
            throw new IllegalArgumentException("proj_dim must be >= 1, got " + dim);
        }
        this.seed = seed;
        this.dim = dim;
        this.kind = kind;
    }

    /** The projection of model {@code model} of an ensemble with root seed {@code seed}. */
    static Projector forModel(long seed, long model, int dim, AttributeOptions.Projection kind) {
        return new Projector(new SeedStream(seed, model, MODEL_SALT).nextLong(), dim, kind);
    }

    int dim() {
        return dim;
    }

    /** Writes rows {@code [from, from + count)} of R into {@code dst} (count x k, row-major). */
    void rows(long from, int count, float[] dst) {
        int k = dim;
        float scale = (float) (1 / Math.sqrt(k));
        for (int q = 0; q < count; q++) {
            SeedStream s = new SeedStream(seed, from + q, SALT);
            int base = q * k;
            if (kind == AttributeOptions.Projection.GAUSSIAN) {
                for (int j = 0; j < k; j++) {
                    dst[base + j] = (float) (s.nextGaussian() * scale);
                }
            } else {
                long bits = 0;
                for (int j = 0; j < k; j++) {
                    if ((j & 63) == 0) {
                        bits = s.nextLong();
                    }
                    dst[base + j] = (bits & 1) == 0 ? scale : -scale;
                    bits >>>= 1;
                }
            }
        }
    }
}
