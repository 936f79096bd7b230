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

    /** The system property that sets the Vector API kernels' vector width in bits: 128, 256 or 512. */
    public static final String VECTOR_BITS_PROPERTY = "datamodels.vector.bits";

    /**
     * The vector width of the Vector API kernels, in bits: {@code datamodels.vector.bits} if set, else 256 on Intel
     * CPUs and the JVM's preferred width (512 on AVX-512 machines such as AMD Zen 4) elsewhere; never more than the
     * preferred width. Fixed for the life of the JVM. The width changes the order of the lane sums and so the last
     * bits of the outputs: it is part of {@link #describe(Gemm)}, which train.json records.
     *
     * <p>Why 256 on Intel: on Xeons (Skylake-SP to Cascade Lake at least) sustained 512-bit FMAs lower the core clock
     * (the AVX-512 frequency licence) for the whole core, scalar code included, while Zen 4 runs 512-bit operations
     * as two 256-bit halves at full clock. Not measured on an Intel machine here (BENCHMARKS.md).
     *
     * @throws IllegalArgumentException if the property is not 128, 256 or 512
     * @throws IllegalStateException    if the JVM lacks the Vector API module ({@link #vectorApi()} is false)
     */
    public static int vectorBits() {
        if (!vectorApi()) {
            throw new IllegalStateException("the Vector API kernels need the JVM started with --add-modules "
                    + VECTOR_MODULE);
        }
        int preferred = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize();
        String want = System.getProperty(VECTOR_BITS_PROPERTY);
        int bits;
        if (want == null || want.isBlank()) {
            bits = cpuVendor().equals("GenuineIntel") ? 256 : preferred;
        } else {
            bits = switch (want.strip()) {
                case "128" -> 128;
                case "256" -> 256;
                case "512" -> 512;
                default -> throw new IllegalArgumentException(VECTOR_BITS_PROPERTY + " must be 128, 256 or 512, got '"
                        + want + "'");
            };
        }
        if (preferred < 128) {
            throw new IllegalStateException("the Vector API kernels need 128-bit vectors at least; this JVM prefers "
                    + preferred);
        }
        return Math.min(bits, preferred);
    }

    /** The float species of {@link #vectorBits()} wide; only call with the Vector API module present. */
    static jdk.incubator.vector.VectorSpecies<Float> vectorSpecies() {
        return jdk.incubator.vector.VectorSpecies.of(float.class,
                jdk.incubator.vector.VectorShape.forBitSize(vectorBits()));
    }

    /**
     * What computes a learner's products with {@code gemm} and this JVM's default {@link NarrowLinear}
     * ({@link NarrowLinear#choose()}): {@link #describe(Gemm, NarrowLinear)} of the two.
     */
    public static String describe(Gemm gemm) {
        if (gemm.name().equals("scalar") || !vectorApi()) {
            return gemm.name();
        }
        return describe(gemm, NarrowLinear.choose());
    }

    /**
     * What computes a learner's products, for train.json and provenance: the GEMM's name; then, where a Vector API
     * kernel runs (the GEMM named "vector", or a NarrowLinear named "vector"), the Vector API width, e.g.
     * "openblas+vector512"; then "+narrow-scalar" where the NarrowLinear is the scalar one although the GEMM is the
     * Vector API's (a choice only an injected kernel makes). The defaults give "scalar", "openblas",
     * "openblas+vectorN" or "vector+vectorN". Two runs with the same description on one machine give the same bits.
     */
    public static String describe(Gemm gemm, NarrowLinear narrow) {
        boolean vectorGemm = gemm.name().equals("vector");
        boolean vectorNarrow = narrow.name().equals("vector");
        if (!vectorGemm && !vectorNarrow) {
            return gemm.name();
        }
        return gemm.name() + "+vector" + vectorBits() + (vectorNarrow ? "" : "+narrow-scalar");
    }

    /** The CPU vendor from {@code /proc/cpuinfo} ("GenuineIntel", "AuthenticAMD"), or "" where unknown. */
    static String cpuVendor() {
        return cpuInfo("vendor_id", "");
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
            vectorBits(); // a bad datamodels.vector.bits fails here, not in a kernel's class initialiser
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
        return named(all, want, PROPERTY);
    }

    /**
     * The available implementation called {@code name} ({@code openblas}, {@code vector} or {@code scalar}).
     *
     * @throws IllegalArgumentException if none of that name is available here
     */
    public static Gemm gemm(String name) {
        return named(available(), name, "kernel");
    }

    /** The plain scalar reference GEMM, always available; slow, for checks and as a last resort. */
    public static Gemm scalarGemm() {
        return new ScalarGemm();
    }

    private static Gemm named(List<Gemm> all, String want, String what) {
        for (Gemm g : all) {
            if (g.name().equals(want.strip().toLowerCase(Locale.ROOT))) {
                return g;
            }
        }
        throw new IllegalArgumentException(what + " must be one of " + all.stream().map(Gemm::name).toList()
                + ", got '" + want + "'");
    }

    /**
     * The CPU model, for benchmark reports: the first "model name" of {@code /proc/cpuinfo} (Linux), else the JVM's
     * {@code os.arch}.
     */
    public static String cpuModel() {
        return cpuInfo("model name", System.getProperty("os.arch"));
    }

    /** The first value of {@code field} in {@code /proc/cpuinfo}, or {@code fallback}. */
    private static String cpuInfo(String field, String fallback) {
        Path info = Path.of("/proc/cpuinfo");
        try {
            if (Files.isReadable(info)) {
                for (String line : Files.readAllLines(info)) {
                    int colon = line.indexOf(':');
                    if (line.startsWith(field) && colon > 0) {
                        return line.substring(colon + 1).strip();
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // Unreadable: fall through.
        }
        return fallback;
    }
}
