package io.datamodels.store;

import io.datamodels.Provenance;
import io.datamodels.store.npy.DType;
import io.datamodels.subset.Sampling;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The store used by the store tests, in MadryLab's layout: masks bool [m], margins float16 [T], logits float32
 * [T, 10], and the row values every writer (thread, process or Python) puts in row {@code i}. All values are exact
 * in their dtype, so readers compare with equality.
 *
 * <pre>
 *   margins[i, t]    = ((7 i + t) mod 50) / 4 - 3
 *   logits[i, t, c]  = i + t / 2 + c / 16
 * </pre>
 */
final class StoreRows {
    static final int CLASSES = 10;

    private StoreRows() {
    }

    static Map<String, StoreSpec.KeySpec> schema(int m, int t) {
        Map<String, StoreSpec.KeySpec> s = new LinkedHashMap<>();
        s.put(Store.MASKS, StoreSpec.KeySpec.of(DType.BOOL, m));
        s.put("margins", StoreSpec.KeySpec.of(DType.FLOAT16, t));
        s.put("logits", StoreSpec.KeySpec.of(DType.FLOAT32, t, CLASSES));
        return s;
    }

    static StoreSpec spec(long n, int m, int t) {
        return new StoreSpec(n, schema(m, t));
    }

    static StoreMeta meta(Sampling s) {
        return new StoreMeta(StoreMeta.FORMAT, s, null, Provenance.now("none", "test"));
    }

    static double margin(long i, int t) {
        return ((7 * i + t) % 50) * 0.25 - 3;
    }

    static float logit(long i, int t, int c) {
        return (float) (i + t * 0.5 + c * 0.0625);
    }

    static double[] margins(long i, int t) {
        double[] v = new double[t];
        for (int k = 0; k < t; k++) {
            v[k] = margin(i, k);
        }
        return v;
    }

    static float[] logits(long i, int t) {
        float[] v = new float[t * CLASSES];
        for (int k = 0; k < t; k++) {
            for (int c = 0; c < CLASSES; c++) {
                v[k * CLASSES + c] = logit(i, k, c);
            }
        }
        return v;
    }

    /** Row {@code i}'s outputs (not its mask, which init wrote). */
    static Map<String, Object> row(long i, int t) {
        return Map.of("margins", margins(i, t), "logits", logits(i, t));
    }

    /** Asserts that row {@code i} of {@code s} holds {@link #row(long, int)} and is completed. */
    static void assertRow(Store s, long i, int t) throws StoreException {
        var mg = s.array("margins");
        for (int k = 0; k < t; k++) {
            org.junit.jupiter.api.Assertions.assertEquals(margin(i, k), mg.getDouble(i * t + k),
                    "margins[" + i + ", " + k + "]");
        }
        float[] got = new float[t * CLASSES];
        s.array("logits").getFloats(i * t * CLASSES, got, 0, got.length);
        org.junit.jupiter.api.Assertions.assertArrayEquals(logits(i, t), got, "logits[" + i + "]");
        org.junit.jupiter.api.Assertions.assertTrue(s.isCompleted(i), "row " + i + " completed");
    }

    /** Python source of {@code margins(i, T)} and {@code logits(i, T)}, the same values as numpy arrays. */
    static final String PYTHON = """
            import numpy as np

            def margins(i, T):
                return np.array([((7 * i + t) % 50) * 0.25 - 3 for t in range(T)], dtype=np.float16)

            def logits(i, T):
                return np.array([[i + t * 0.5 + c * 0.0625 for c in range(10)] for t in range(T)], dtype=np.float32)
            """;
}
