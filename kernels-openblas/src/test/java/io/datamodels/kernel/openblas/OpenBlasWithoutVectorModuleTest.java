package io.datamodels.kernel.openblas;

import io.datamodels.kernel.KernelsWithoutVectorModuleTest;
import org.junit.jupiter.api.Test;

/**
 * A JVM without {@code --add-modules jdk.incubator.vector} but with this module on the class path: the GEMM is
 * OpenBLAS, the narrow kernel the scalar one, train.json would record "openblas", and one line warns that the Vector
 * API kernels are off.
 */
class OpenBlasWithoutVectorModuleTest {
    @Test
    void fallsBackToOpenBlasWithOneWarning() throws Exception {
        KernelsWithoutVectorModuleTest.assertFallsBack(
                "openblas scalar openblas false no-vector-width [19.0, 22.0, 43.0, 50.0] 13.0");
    }
}
