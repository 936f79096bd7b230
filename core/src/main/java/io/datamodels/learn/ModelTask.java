package io.datamodels.learn;

import io.datamodels.subset.BitMask;

/**
 * One model to train: its index in the store, its training subset, and the root seed its own random streams derive
 * from (through {@link io.datamodels.subset.SeedStream} with {@code (seed, index, salt)}).
 */
public record ModelTask(long index, BitMask mask, long seed) {
}
