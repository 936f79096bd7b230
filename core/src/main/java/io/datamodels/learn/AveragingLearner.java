package io.datamodels.learn;

import io.datamodels.subset.SeedStream;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A training-noise control: each model index is trained {@code runs} times on its one mask, with different seeds,
 * and its outputs are the mean over the runs. Randomness that does not depend on the mask (data order, initial
 * weights) then shrinks by about 1/sqrt(runs) in the outputs, so the part a datamodel can explain grows; it costs
 * {@code runs} trainings per model.
 *
 * <p>Run {@code r} of a task with root seed {@code s} is the inner learner's task with seed {@link #runSeed}: run 0
 * keeps {@code s} (one run is exactly the plain learner), run {@code r >= 1} uses the first value of
 * {@code SeedStream(s, r, SALT_RUNS)}. Float rows are averaged (in double, rounded once); bool rows take the
 * majority (ties false). A task fails when any of its runs fails.
 */
public final class AveragingLearner implements Learner {
    /** Salt of the stream that gives run r's seed. */
    public static final long SALT_RUNS = 0x52554E53L; // "RUNS"

    private final Learner inner;
    private final int runs;

    private AveragingLearner(Learner inner, int runs) {
        this.inner = inner;
        this.runs = runs;
    }

    /**
     * {@code inner} averaged over {@code runs} runs per mask; {@code inner} itself when {@code runs} is 1.
     *
     * @throws IllegalArgumentException if {@code runs < 1}
     */
    public static Learner of(Learner inner, int runs) {
        if (runs < 1) {
            throw new IllegalArgumentException("runs_per_mask must be >= 1, got " + runs);
        }
        return runs == 1 ? inner : new AveragingLearner(inner, runs);
    }

    /** The root seed of run {@code r} of a task whose root seed is {@code seed}. */
    public static long runSeed(long seed, int r) {
        return r == 0 ? seed : new SeedStream(seed, r, SALT_RUNS).nextLong();
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public Set<String> outputKeys() {
        return inner.outputKeys();
    }

    @Override
    public void close() {
        inner.close();
    }

    @Override
    public int preferredBatch() {
        return Math.max(1, inner.preferredBatch() / runs);
    }

    @Override
    public List<Outcome> train(List<ModelTask> tasks, Set<String> keys) {
        int n = tasks.size();
        // runs[r][i]: run r of task i. All tasks of one inner call share a seed, as shared-noise batching expects.
        Outcome[][] out = new Outcome[runs][];
        int chunk = Math.max(1, inner.preferredBatch());
        for (int r = 0; r < runs; r++) {
            List<ModelTask> sub = new ArrayList<>(n);
            for (ModelTask t : tasks) {
                sub.add(new ModelTask(t.index(), t.mask(), runSeed(t.seed(), r)));
            }
            List<Outcome> got = new ArrayList<>(n);
            for (int a = 0; a < n; a += chunk) {
                List<ModelTask> part = sub.subList(a, Math.min(n, a + chunk));
                List<Outcome> res = inner.train(part, keys);
                if (res.size() != part.size()) {
                    throw new IllegalStateException(inner.name() + ": expected " + part.size() + " outcomes, got "
                            + res.size());
                }
                got.addAll(res);
            }
            out[r] = got.toArray(new Outcome[0]);
        }
        List<Outcome> result = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            result.add(combine(i, out));
        }
        return result;
    }

    private Outcome combine(int i, Outcome[][] out) {
        List<Map<String, Object>> rows = new ArrayList<>(runs);
        for (int r = 0; r < runs; r++) {
            switch (out[r][i]) {
                case Outcome.Failed f -> {
                    return new Outcome.Failed("run " + (r + 1) + " of " + runs + ": " + f.reason(), f.retryable());
                }
                case Outcome.Ok ok -> rows.add(ok.outputs());
            }
        }
        Map<String, Object> averaged = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : rows.getFirst().entrySet()) {
            String key = e.getKey();
            Object first = e.getValue();
            try {
                averaged.put(key, switch (first) {
                    case float[] f -> toFloat(mean(key, f.length, rows, float[].class));
                    case double[] d -> mean(key, d.length, rows, double[].class);
                    case boolean[] b -> majority(key, b.length, rows);
                    default -> throw new IllegalArgumentException("output '" + key + "': expected float or bool rows "
                            + "to average over runs_per_mask = " + runs + ", got " + first.getClass().getSimpleName());
                });
            } catch (IllegalArgumentException ex) {
                return new Outcome.Failed(ex.getMessage());
            }
        }
        return new Outcome.Ok(averaged);
    }

    private static Object row(String key, int len, Map<String, Object> row, Class<?> type) {
        Object v = row.get(key);
        if (v == null || v.getClass() != type || java.lang.reflect.Array.getLength(v) != len) {
            throw new IllegalArgumentException("output '" + key + "': runs gave rows of different types or lengths");
        }
        return v;
    }

    /** Mean over the runs of key's float or double rows, summed in double. */
    private double[] mean(String key, int len, List<Map<String, Object>> rows, Class<?> type) {
        double[] acc = new double[len];
        for (Map<String, Object> row : rows) {
            Object v = row(key, len, row, type);
            if (v instanceof float[] f) {
                for (int j = 0; j < len; j++) {
                    acc[j] += f[j];
                }
            } else {
                double[] d = (double[]) v;
                for (int j = 0; j < len; j++) {
                    acc[j] += d[j];
                }
            }
        }
        for (int j = 0; j < len; j++) {
            acc[j] /= runs;
        }
        return acc;
    }

    private static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int j = 0; j < v.length; j++) {
            f[j] = (float) v[j];
        }
        return f;
    }

    private boolean[] majority(String key, int len, List<Map<String, Object>> rows) {
        int[] votes = new int[len];
        for (Map<String, Object> row : rows) {
            boolean[] v = (boolean[]) row(key, len, row, boolean[].class);
            for (int j = 0; j < len; j++) {
                if (v[j]) {
                    votes[j]++;
                }
            }
        }
        boolean[] res = new boolean[len];
        for (int j = 0; j < len; j++) {
            res[j] = 2 * votes[j] > runs;
        }
        return res;
    }
}
