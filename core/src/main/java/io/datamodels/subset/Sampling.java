package io.datamodels.subset;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Locale;

/**
 * How training subsets are drawn (Ilyas et al. 2022, section 2): every model index {@code i} gets the subset
 * {@link #mask(long) mask(i)}, a function of {@code (seed, i)} alone.
 *
 * <ul>
 *   <li>{@code bernoulli}: each of the {@code trainSize} examples is in independently with probability
 *   {@code alpha}; example {@code j} is in iff the {@code j}-th uniform of {@link SeedStream}{@code (seed, i)} is
 *   below {@code alpha}.</li>
 *   <li>{@code exact}: exactly {@code floor(alpha * trainSize)} examples, uniformly without replacement: the first
 *   {@code k} positions of a partial Fisher-Yates shuffle of {@code 0..trainSize-1}, where step {@code j} swaps
 *   position {@code j} with {@code j + nextInt(trainSize - j)}.</li>
 * </ul>
 *
 * @param sampler   "bernoulli" or "exact"
 * @param alpha     subset fraction, in (0, 1)
 * @param seed      root seed
 * @param trainSize number of training examples m
 */
public record Sampling(@JsonProperty("sampler") String sampler,
                       @JsonProperty("alpha") double alpha,
                       @JsonProperty("seed") long seed,
                       @JsonProperty("train_size") int trainSize) {
    public static final String BERNOULLI = "bernoulli";
    public static final String EXACT = "exact";

    @JsonCreator
    public Sampling {
        if (sampler == null) {
            throw new IllegalArgumentException("sampler: required field is missing");
        }
        sampler = sampler.toLowerCase(Locale.ROOT);
        if (!sampler.equals(BERNOULLI) && !sampler.equals(EXACT)) {
            throw new IllegalArgumentException("sampler must be one of [bernoulli, exact], got '" + sampler + "'");
        }
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("alpha must be in (0, 1), got " + alpha);
        }
        if (trainSize < 1) {
            throw new IllegalArgumentException("train_size must be >= 1, got " + trainSize);
        }
    }

    /** Subset size of the exact sampler, {@code floor(alpha * trainSize)}. */
    public int exactSize() {
        return (int) Math.floor(alpha * trainSize);
    }

    /** The subset of model {@code index}. */
    public BitMask mask(long index) {
        if (index < 0) {
            throw new IllegalArgumentException("model index must be >= 0, got " + index);
        }
        SeedStream r = new SeedStream(seed, index);
        BitMask m = new BitMask(trainSize);
        if (sampler.equals(BERNOULLI)) {
            for (int j = 0; j < trainSize; j++) {
                if (r.nextDouble() < alpha) {
                    m.set(j);
                }
            }
        } else {
            int k = exactSize();
            int[] perm = new int[trainSize];
            for (int j = 0; j < trainSize; j++) {
                perm[j] = j;
            }
            for (int j = 0; j < k; j++) {
                int s = j + r.nextInt(trainSize - j);
                int t = perm[j];
                perm[j] = perm[s];
                perm[s] = t;
                m.set(perm[j]);
            }
        }
        return m;
    }
}
