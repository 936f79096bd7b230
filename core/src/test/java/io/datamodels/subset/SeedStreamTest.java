package io.datamodels.subset;

import io.datamodels.testing.NoStdout;
import io.datamodels.testing.Python;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.StringJoiner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SeedStream}: SplitMix64 known answers, ranges, and a Python reimplementation written from the class
 * Javadoc alone that must produce the same numbers and the same subset masks.
 */
@ExtendWith(NoStdout.class)
class SeedStreamTest {
    /** The SplitMix64 reference (Steele, Lea and Flood 2014; Vigna's splitmix64.c) from state 0: first outputs. */
    @Test
    void mixIsTheSplitMix64Finaliser() {
        long state = 0;
        long[] want = {0xE220A8397B1DCDAFL, 0x6E789E6AA1B965F4L, 0x06C45D188009454FL};
        for (long w : want) {
            state += SeedStream.GOLDEN;
            assertEquals(w, SeedStream.mix(state));
        }
        assertEquals(0, SeedStream.mix(0));
    }

    @Test
    void streamsDependOnSeedIndexAndSaltOnly() {
        assertEquals(new SeedStream(42, 7).nextLong(), new SeedStream(42, 7).nextLong());
        assertEquals(new SeedStream(42, 7, 0).nextLong(), new SeedStream(42, 7).nextLong());
        long a = new SeedStream(42, 7).nextLong();
        assertNotEquals(a, new SeedStream(42, 8).nextLong());
        assertNotEquals(a, new SeedStream(43, 7).nextLong());
        assertNotEquals(a, new SeedStream(42, 7, 1).nextLong());
        assertNotEquals(new SeedStream(0, 1).nextLong(), new SeedStream(1, 0).nextLong(), "seed and index differ in role");
    }

    @Test
    void uniformsAndBoundedIntsStayInRange() {
        SeedStream s = new SeedStream(5, 5);
        double sum = 0;
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            double u = s.nextDouble();
            assertTrue(u >= 0 && u < 1, "uniform " + u);
            sum += u;
        }
        // mean of n uniforms: sd = sqrt(1/12/n) ~ 6.5e-4; 6 sd
        assertEquals(0.5, sum / n, 6 * Math.sqrt(1.0 / 12 / n));
        int[] counts = new int[7];
        for (int i = 0; i < 70_000; i++) {
            counts[s.nextInt(7)]++;
        }
        for (int c : counts) {
            // binomial(70000, 1/7): sd ~ 92.6
            assertEquals(10_000, c, 6 * 92.6);
        }
        assertEquals(0, s.nextInt(1));
        int big = Integer.MAX_VALUE;
        for (int i = 0; i < 1000; i++) {
            int v = s.nextInt(big);
            assertTrue(v >= 0 && v < big);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.nextInt(0));
        assertEquals("bound must be positive, got 0", e.getMessage());
        double g = 0;
        for (int i = 0; i < 10_000; i++) {
            g += s.nextGaussian();
        }
        assertEquals(0, g / 10_000, 6 / Math.sqrt(10_000));
    }

    /** Written from the SeedStream and Sampling Javadoc, not from the Java code. */
    private static final String PYTHON_SEEDSTREAM = """
            import sys
            M64 = (1 << 64) - 1
            GOLDEN = 0x9E3779B97F4A7C15

            def mix(z):
                z &= M64
                z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
                z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
                return z ^ (z >> 31)

            class SeedStream:
                def __init__(self, root, index, salt=0):
                    self.state = mix((root & M64) ^ mix(index + GOLDEN)) ^ mix(salt)

                def next_long(self):
                    self.state = (self.state + GOLDEN) & M64
                    return mix(self.state)

                def uniform(self):
                    return (self.next_long() >> 11) * 2.0**-53

                def next_int(self, bound):
                    while True:
                        r = self.next_long() >> 1
                        v = r % bound
                        if r - v + (bound - 1) < 2**63:
                            return v

            def bernoulli(seed, index, m, alpha):
                s = SeedStream(seed, index)
                return ''.join('1' if s.uniform() < alpha else '0' for _ in range(m))

            def exact(seed, index, m, alpha):
                s = SeedStream(seed, index)
                k = int(alpha * m)
                perm = list(range(m))
                out = ['0'] * m
                for j in range(k):
                    t = j + s.next_int(m - j)
                    perm[j], perm[t] = perm[t], perm[j]
                    out[perm[j]] = '1'
                return ''.join(out)

            for root, index in [(42, 7), (-5, 3), (0, 0)]:
                s = SeedStream(root, index)
                print(' '.join(str(s.next_long()) for _ in range(5)))
            print(bernoulli(42, 7, 100, 0.5))
            print(bernoulli(-9, 123456789012, 70, 0.1))
            print(exact(42, 7, 100, 0.5))
            print(exact(2022, 3, 1000, 0.37))
            """;

    private static String firstFive(long root, long index) {
        SeedStream s = new SeedStream(root, index);
        StringJoiner j = new StringJoiner(" ");
        for (int i = 0; i < 5; i++) {
            j.add(Long.toUnsignedString(s.nextLong()));
        }
        return j.toString();
    }

    private static String bits(BitMask m) {
        StringBuilder sb = new StringBuilder();
        for (byte b : m.toBytes()) {
            sb.append(b);
        }
        return sb.toString();
    }

    @Test
    void pythonFromTheJavadocGivesTheSameStreamsAndMasks() throws Exception {
        Python.assumePython();
        String[] lines = Python.run(PYTHON_SEEDSTREAM).strip().split("\n");
        assertEquals(7, lines.length);
        assertEquals(firstFive(42, 7), lines[0]);
        assertEquals(firstFive(-5, 3), lines[1]);
        assertEquals(firstFive(0, 0), lines[2]);
        assertEquals(bits(new Sampling(Sampling.BERNOULLI, 0.5, 42, 100).mask(7)), lines[3]);
        assertEquals(bits(new Sampling(Sampling.BERNOULLI, 0.1, -9, 70).mask(123456789012L)), lines[4]);
        assertEquals(bits(new Sampling(Sampling.EXACT, 0.5, 42, 100).mask(7)), lines[5]);
        assertEquals(bits(new Sampling(Sampling.EXACT, 0.37, 2022, 1000).mask(3)), lines[6]);
    }
}
