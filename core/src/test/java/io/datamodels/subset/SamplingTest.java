package io.datamodels.subset;

import io.datamodels.ConfigException;
import io.datamodels.Json;
import io.datamodels.testing.NoStdout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Sampling}: validation, determinism in {@code (seed, index)}, the Bernoulli fraction, the exact sampler's
 * size and uniformity, sizes around the 64-bit word, and the JSON form.
 */
@ExtendWith(NoStdout.class)
class SamplingTest {
    private static final int[] SIZES = {1, 2, 63, 64, 65, 1000};

    @Test
    void alphaOutsideTheOpenUnitIntervalIsRefused() {
        for (double a : new double[]{0, 1, 1.5, Double.NaN, -0.1, Double.POSITIVE_INFINITY, -0.0}) {
            for (String sampler : new String[]{Sampling.BERNOULLI, Sampling.EXACT}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> new Sampling(sampler, a, 1, 10), "alpha " + a);
                assertEquals("alpha must be in (0, 1), got " + a, e.getMessage());
            }
        }
        assertEquals("alpha must be in (0, 1), got 1.5", assertThrows(IllegalArgumentException.class,
                () -> new Sampling(Sampling.BERNOULLI, 1.5, 1, 10)).getMessage());
    }

    @Test
    void otherFieldsAreValidated() {
        assertEquals("sampler must be one of [bernoulli, exact], got 'uniform'", assertThrows(
                IllegalArgumentException.class, () -> new Sampling("uniform", 0.5, 1, 10)).getMessage());
        assertEquals("sampler: required field is missing", assertThrows(
                IllegalArgumentException.class, () -> new Sampling(null, 0.5, 1, 10)).getMessage());
        assertEquals("train_size must be >= 1, got 0", assertThrows(
                IllegalArgumentException.class, () -> new Sampling(Sampling.EXACT, 0.5, 1, 0)).getMessage());
        assertEquals(Sampling.EXACT, new Sampling("Exact", 0.5, 1, 10).sampler());
        Sampling s = new Sampling(Sampling.BERNOULLI, 0.5, 1, 10);
        assertEquals("model index must be >= 0, got -1",
                assertThrows(IllegalArgumentException.class, () -> s.mask(-1)).getMessage());
    }

    @Test
    void masksDependOnSeedAndIndexOnly() {
        for (String sampler : new String[]{Sampling.BERNOULLI, Sampling.EXACT}) {
            Sampling a = new Sampling(sampler, 0.5, 123, 1000);
            Sampling b = new Sampling(sampler, 0.5, 123, 1000);
            // any order, any object: the same mask
            for (long i : new long[]{999_999_999_999L, 5, 0, 5, 1L << 40}) {
                assertEquals(a.mask(i), b.mask(i), sampler + " index " + i);
            }
            assertNotEquals(a.mask(0), a.mask(1), sampler);
            assertNotEquals(a.mask(0), new Sampling(sampler, 0.5, 124, 1000).mask(0), sampler);
            // neighbouring indices are unrelated: about half the entries agree at alpha 0.5
            int agree = 0;
            int n = 200;
            for (long i = 0; i < n; i++) {
                byte[] x = a.mask(i).toBytes();
                byte[] y = a.mask(i + 1).toBytes();
                for (int j = 0; j < x.length; j++) {
                    agree += x[j] == y[j] ? 1 : 0;
                }
            }
            double frac = agree / (n * 1000.0);
            assertEquals(0.5, frac, 6 * Math.sqrt(0.25 / (n * 1000.0)), sampler + " agreement of neighbours");
        }
    }

    @Test
    void bernoulliFractionIsCloseToAlpha() {
        int m = 1000;
        int masks = 400;
        for (double alpha : new double[]{0.05, 0.3, 0.5, 0.9}) {
            Sampling s = new Sampling(Sampling.BERNOULLI, alpha, 2022, m);
            long total = 0;
            int[] column = new int[m];
            double perMask = 6 * Math.sqrt(alpha * (1 - alpha) / m);
            for (long i = 0; i < masks; i++) {
                BitMask b = s.mask(i);
                total += b.cardinality();
                assertEquals(alpha, b.cardinality() / (double) m, perMask, "alpha " + alpha + " mask " + i);
                for (int j : b.indices()) {
                    column[j]++;
                }
            }
            // 6 standard deviations of a binomial fraction: fails by chance with probability ~1e-9 per check
            assertEquals(alpha, total / (double) (m * masks), 6 * Math.sqrt(alpha * (1 - alpha) / (m * masks)),
                    "alpha " + alpha);
            double perColumn = 6 * Math.sqrt(alpha * (1 - alpha) / masks);
            for (int j = 0; j < m; j++) {
                assertEquals(alpha, column[j] / (double) masks, perColumn, "alpha " + alpha + " example " + j);
            }
        }
    }

    @Test
    void exactSamplerHasExactlyFloorAlphaMMembers() {
        for (int m : SIZES) {
            for (double alpha : new double[]{0.001, 0.1, 0.25, 0.5, 0.7, 0.999}) {
                Sampling s = new Sampling(Sampling.EXACT, alpha, 9, m);
                int k = (int) Math.floor(alpha * m);
                assertEquals(k, s.exactSize(), "m " + m + " alpha " + alpha);
                for (long i = 0; i < 20; i++) {
                    BitMask b = s.mask(i);
                    assertEquals(m, b.size());
                    assertEquals(k, b.cardinality(), "m " + m + " alpha " + alpha + " index " + i);
                    assertEquals(k, b.indices().length);
                }
            }
        }
        // trainSize 1: the exact sampler's subset is empty for every alpha < 1
        assertEquals(0, new Sampling(Sampling.EXACT, 0.99, 1, 1).mask(3).cardinality());
    }

    @Test
    void exactSamplerIsUniform() {
        int m = 65;
        int masks = 3000;
        Sampling s = new Sampling(Sampling.EXACT, 0.3, 77, m);
        double p = s.exactSize() / (double) m;
        int[] column = new int[m];
        for (long i = 0; i < masks; i++) {
            for (int j : s.mask(i).indices()) {
                column[j]++;
            }
        }
        for (int j = 0; j < m; j++) {
            assertEquals(p, column[j] / (double) masks, 6 * Math.sqrt(p * (1 - p) / masks), "example " + j);
        }
    }

    @Test
    void smallAndOddSizes() {
        for (int m : SIZES) {
            Sampling s = new Sampling(Sampling.BERNOULLI, 0.5, 3, m);
            BitMask b = s.mask(11);
            assertEquals(m, b.size());
            assertEquals(m, b.toBytes().length);
            assertEquals(b.cardinality(), b.indices().length);
            int ones = 0;
            for (byte x : b.toBytes()) {
                ones += x;
            }
            assertEquals(b.cardinality(), ones, "m " + m);
            if (m % 64 != 0) {
                long[] w = b.words();
                assertEquals(0, w[w.length - 1] >>> (m % 64), "bits past m are zero, m " + m);
            }
        }
        // trainSize 1, Bernoulli: the one example is in about alpha of the time
        Sampling one = new Sampling(Sampling.BERNOULLI, 0.25, 4, 1);
        int in = 0;
        int n = 10_000;
        for (long i = 0; i < n; i++) {
            in += one.mask(i).cardinality();
        }
        assertEquals(0.25, in / (double) n, 6 * Math.sqrt(0.25 * 0.75 / n));
    }

    @Test
    void bernoulliMaskIsTheDocumentedStream() {
        Sampling s = new Sampling(Sampling.BERNOULLI, 0.4, 8, 130);
        SeedStream r = new SeedStream(8, 21);
        boolean[] want = new boolean[130];
        for (int j = 0; j < want.length; j++) {
            want[j] = r.nextDouble() < 0.4;
        }
        assertArrayEquals(want, s.mask(21).toBooleans());
    }

    @Test
    void jsonForm() throws ConfigException {
        Sampling s = new Sampling(Sampling.EXACT, 0.5, -42, 5000);
        String json = Json.write(s);
        for (String field : new String[]{"\"sampler\" : \"exact\"", "\"alpha\" : 0.5", "\"seed\" : -42",
                "\"train_size\" : 5000"}) {
            assertTrue(json.contains(field), json);
        }
        assertEquals(s, Json.parse("sampling.json", json, Sampling.class));
        ConfigException e = assertThrows(ConfigException.class, () -> Json.parse("sampling.json",
                "{\"sampler\": \"bernoulli\", \"alpha\": 1.5, \"seed\": 1, \"train_size\": 10}", Sampling.class));
        assertEquals("sampling.json: alpha must be in (0, 1), got 1.5", e.getMessage());
        ConfigException u = assertThrows(ConfigException.class, () -> Json.parse("sampling.json",
                "{\"sampler\": \"bernoulli\", \"alpha\": 0.5, \"seed\": 1, \"train_size\": 10, \"m\": 3}",
                Sampling.class));
        assertTrue(u.getMessage().startsWith("sampling.json: m: unknown field"), u.getMessage());
        // a fractional size or seed is refused, not truncated
        ConfigException f = assertThrows(ConfigException.class, () -> Json.parse("sampling.json",
                "{\"sampler\": \"exact\", \"alpha\": 0.5, \"seed\": 1, \"train_size\": 10.5}", Sampling.class));
        assertTrue(f.getMessage().startsWith("sampling.json: train_size: ") && f.getMessage().contains("10.5"),
                f.getMessage());
        assertThrows(ConfigException.class, () -> Json.parse("sampling.json",
                "{\"sampler\": \"exact\", \"alpha\": 0.5, \"seed\": 1.5, \"train_size\": 10}", Sampling.class));
    }
}
