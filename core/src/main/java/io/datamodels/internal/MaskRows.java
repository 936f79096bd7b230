package io.datamodels.internal;

import io.datamodels.store.npy.NpyArray;
import io.datamodels.subset.BitMask;

import java.lang.foreign.ValueLayout;

/** Rows of a store's {@code masks} key (rows x m, row-major) as subsets: what training and attribution read. */
public final class MaskRows {
    private MaskRows() {
    }

    /**
     * Row {@code index} of {@code masks} as a subset: example j is in it when element {@code (index, j)} is not 0.
     * One-byte types (the store's {@code bool_}) are read as bytes, other types (masks written by other tools) by
     * value.
     */
    public static BitMask read(NpyArray masks, long index) {
        int m = Math.toIntExact(masks.rowElements());
        BitMask b = new BitMask(m);
        long base = index * m;
        if (masks.dtype().size() == 1) {
            var data = masks.data();
            for (int j = 0; j < m; j++) {
                if (data.get(ValueLayout.JAVA_BYTE, base + j) != 0) {
                    b.set(j);
                }
            }
        } else {
            for (int j = 0; j < m; j++) {
                if (masks.getDouble(base + j) != 0) {
                    b.set(j);
                }
            }
        }
        return b;
    }

    /** The subset of all {@code m} examples. */
    public static BitMask all(int m) {
        BitMask b = new BitMask(m);
        for (int j = 0; j < m; j++) {
            b.set(j);
        }
        return b;
    }
}
