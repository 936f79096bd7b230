package io.datamodels.kernel.openblas;

import io.datamodels.kernel.Gemm;
import io.datamodels.kernel.GemmConformance;
import io.datamodels.kernel.Kernels;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class OpenBlasGemmTest extends GemmConformance {
    @Override
    protected Gemm gemm() {
        return new OpenBlasGemm();
    }

    @Test
    void isTheDefaultWhenPresent() {
        assertEquals("openblas", Kernels.available().getFirst().name());
    }
}
