package io.datamodels.kernel.openblas;

import io.datamodels.kernel.Gemm;
import org.bytedeco.javacpp.Loader;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * {@link Gemm} through OpenBLAS's {@code cblas_sgemm}. JavaCPP's {@code org.bytedeco:openblas} brings and loads the
 * native library; the call itself goes through an FFM downcall, so native segments are passed by address with no
 * copy and no JavaCPP pointer objects. OpenBLAS runs single-threaded here (callers parallelise over products);
 * set {@code datamodels.openblas.threads} to change that.
 */
public final class OpenBlasGemm implements Gemm {
    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;
    private static final MethodHandle SGEMM;

    static {
        Loader.load(org.bytedeco.openblas.global.openblas.class);
        Linker linker = Linker.nativeLinker();
        SymbolLookup lookup = SymbolLookup.loaderLookup();
        MemorySegment sgemm = lookup.find("cblas_sgemm").orElseThrow(
                () -> new UnsatisfiedLinkError("cblas_sgemm not found after loading OpenBLAS"));
        ValueLayout i = ValueLayout.JAVA_INT;
        ValueLayout f = ValueLayout.JAVA_FLOAT;
        ValueLayout p = ValueLayout.ADDRESS;
        SGEMM = linker.downcallHandle(sgemm, FunctionDescriptor.ofVoid(i, i, i, i, i, i, f, p, i, p, i, f, p, i),
                Linker.Option.critical(true));
        int threads = Integer.getInteger("datamodels.openblas.threads", 1);
        lookup.find("openblas_set_num_threads").ifPresent(fn -> {
            try {
                linker.downcallHandle(fn, FunctionDescriptor.ofVoid(i)).invokeExact(threads);
            } catch (Throwable t) {
                throw new ExceptionInInitializerError(t);
            }
        });
    }

    @Override
    public String name() {
        return "openblas";
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, MemorySegment a, int lda,
                      MemorySegment b, int ldb, float beta, MemorySegment c, int ldc) {
        Gemm.checkArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
        if (m == 0 || n == 0) {
            return;
        }
        try {
            SGEMM.invokeExact(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k, alpha, a, lda,
                    b, ldb, beta, c, ldc);
        } catch (Throwable t) {
            throw new IllegalStateException("cblas_sgemm failed", t);
        }
    }
}
