package io.datamodels.regress;

import io.datamodels.store.Store;
import io.datamodels.subset.BitMask;
import io.datamodels.subset.Sampling;

import java.util.Arrays;
import java.util.Locale;

/**
 * The training subset whose members are ranked by datamodel weight in the counterfactual and support evaluations:
 * the whole training set, or a fresh subset from the fitted store's sampler (where the linear predictions are made in
 * the setting they were fitted in).
 */
public enum BaseSet {
    /** Every training example. */
    FULL,
    /** A fresh subset from the store's sampler and alpha, drawn with the evaluation's seed. */
    RANDOM;

    /** The name in configs and on the command line: {@code full} or {@code random}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The base set named {@code id}.
     *
     * @throws IllegalArgumentException "base must be one of [full, random], got 'ID'"
     */
    public static BaseSet parse(String id) {
        for (BaseSet b : values()) {
            if (b.id().equals(id)) {
                return b;
            }
        }
        throw new IllegalArgumentException("base must be one of " + Arrays.stream(values()).map(BaseSet::id).toList()
                + ", got '" + id + "'");
    }

    /** The base set over m training examples of {@code store} (whose sampler a random base needs). */
    public BitMask mask(Store store, long seed, int m) throws FitException {
        if (this == FULL) {
            BitMask all = new BitMask(m);
            for (int j = 0; j < m; j++) {
                all.set(j);
            }
            return all;
        }
        Sampling s = store.meta().map(x -> x.sampling()).orElseThrow(() -> new FitException(
                "store.json: sampling: required for a random base set, got none"));
        return new Sampling(s.sampler(), s.alpha(), seed, m).mask(0);
    }

    /**
     * The size of the base set that a store with this sampler and alpha gets ({@link #mask}): what a removal may
     * reach, known before any store exists.
     */
    public int size(String sampler, double alpha, long seed, int m) {
        return this == FULL ? m : new Sampling(sampler, alpha, seed, m).mask(0).cardinality();
    }
}
