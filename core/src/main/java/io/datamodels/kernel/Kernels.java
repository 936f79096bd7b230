package io.datamodels.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Chooses the {@link Gemm} implementation at run time. The system property {@code datamodels.kernel}
 * ({@code openblas}, {@code vector} or {@code scalar}) forces one; otherwise the first available of OpenBLAS (a
 * {@link Gemm} registered through {@link ServiceLoader}, e.g. by the {@code datamodels-openblas} module) and the
 * Vector API. The choice is recorded in provenance.
 */
public final class Kernels {
    /** The system property that forces a kernel. */
    public static final String PROPERTY = "datamodels.kernel";

    private Kernels() {
    }

    /** The module of the Vector API, which the JVM resolves only when started with {@code --add-modules} naming it. */
    static final String VECTOR_MODULE = "jdk.incubator.vector";

    private static volatile boolean vectorAbsenceLogged;

    /**
     * Whether the Vector API kernels can run: {@value #VECTOR_MODULE} is in the boot layer. If not, says so once
     * through {@link System.Logger} (a library user's JVM may lack the flag) instead of failing with a
     * {@link NoClassDefFoundError} on first use.
     */
    public static boolean vectorApi() {
        if (ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent()) {
            return true;
        }
        if (!vectorAbsenceLogged) {
            vectorAbsenceLogged = true;
            System.getLogger(Kernels.class.getName()).log(System.Logger.Level.WARNING, "datamodels: the Vector API"
                    + " kernels are off (start the JVM with --add-modules " + VECTOR_MODULE + " to use them); using"
                    + " the OpenBLAS GEMM if present and the scalar kernels otherwise");
        }
        return false;
    }

    /** Every available implementation, fastest first; the scalar reference is always last. */
    public static List<Gemm> available() {
        List<Gemm> out = new ArrayList<>();
        for (ServiceLoader.Provider<Gemm> p : ServiceLoader.load(Gemm.class).stream().toList()) {
            try {
                out.add(p.get());
            } catch (RuntimeException | LinkageError e) {
                // A native provider that cannot load on this machine is simply not available.
            }
        }
        if (vectorApi()) {
            out.add(new VectorGemm());
        }
        out.add(new ScalarGemm());
        return out;
    }

    /**
     * The implementation named by {@code datamodels.kernel}, or the fastest available.
     *
     * @throws IllegalArgumentException if the property names one that is not available
     */
    public static Gemm gemm() {
        String want = System.getProperty(PROPERTY);
        List<Gemm> all = available();
        if (want == null || want.isBlank()) {
            return all.getFirst();
        }
        for (Gemm g : all) {
            if (g.name().equals(want.strip().toLowerCase(Locale.ROOT))) {
                return g;
            }
        }
        throw new IllegalArgumentException(PROPERTY + " must be one of " + all.stream().map(Gemm::name).toList()
                + ", got '" + want + "'");
    }

    /**
     * The CPU model, for benchmark reports: the first "model name" of {@code /proc/cpuinfo} (Linux), else the JVM's
     * {@code os.arch}.
     */
    public static String cpuModel() {
        Path info = Path.of("/proc/cpuinfo");
        try {
            if (Files.isReadable(info)) {
                for (String line : Files.readAllLines(info)) {
                    int colon = line.indexOf(':');
                    if (line.startsWith("model name") && colon > 0) {
                        return line.substring(colon + 1).strip();
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // Unreadable: fall through to the architecture.
        }
        return System.getProperty("os.arch");
    }
}
