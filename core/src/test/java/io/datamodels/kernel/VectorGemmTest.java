package io.datamodels.kernel;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class VectorGemmTest extends GemmConformance {
    @Override
    protected Gemm gemm() {
        return new VectorGemm();
    }

    @Test
    void kernelsPropertyForcesAChoice() {
        String old = System.getProperty(Kernels.PROPERTY);
        try {
            System.setProperty(Kernels.PROPERTY, "scalar");
            assertEquals("scalar", Kernels.gemm().name());
            System.setProperty(Kernels.PROPERTY, "vector");
            assertEquals("vector", Kernels.gemm().name());
            System.setProperty(Kernels.PROPERTY, "cuda");
            assertThrows(IllegalArgumentException.class, Kernels::gemm);
        } finally {
            if (old == null) {
                System.clearProperty(Kernels.PROPERTY);
            } else {
                System.setProperty(Kernels.PROPERTY, old);
            }
        }
    }
}
