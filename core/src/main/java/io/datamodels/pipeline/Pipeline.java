package io.datamodels.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.datamodels.ConfigException;
import io.datamodels.Json;
import io.datamodels.Provenance;
import io.datamodels.data.DataBinding;
import io.datamodels.data.DatasetSpec;
import io.datamodels.data.Selection;
import io.datamodels.eval.Counterfactual;
import io.datamodels.eval.Lds;
import io.datamodels.eval.Support;
import io.datamodels.explore.Embedding;
import io.datamodels.explore.FitData;
import io.datamodels.explore.Leakage;
import io.datamodels.explore.LeakageOptions;
import io.datamodels.explore.Neighbours;
import io.datamodels.kernel.Gemm;
import io.datamodels.learn.Outputs;
import io.datamodels.regress.BaseSet;
import io.datamodels.regress.Datamodels;
import io.datamodels.regress.FitFolder;
import io.datamodels.regress.FitRequest;
import io.datamodels.regress.Fitter;
import io.datamodels.regress.LassoConfig;
import io.datamodels.store.AtomicFiles;
import io.datamodels.store.Store;
import io.datamodels.store.npy.NpyArray;
import io.datamodels.subset.Sampler;
import io.datamodels.train.InitOptions;
import io.datamodels.train.Learners;
import io.datamodels.train.Runner;
import io.datamodels.train.StoreInit;
import io.datamodels.train.TrainOptions;
import io.datamodels.train.Training;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The whole experiment in one folder: init -> train -> fit -> eval, each stage skipped when its output is already
 * complete (stores resume row by row, other stages write their folders atomically), so an interrupted run continues
 * where it stopped. Layout: {@code run.json} (config and provenance), {@code store/}, {@code held-out/},
 * {@code datamodels/}, {@code eval/lds}, {@code eval/counterfactual}, {@code eval/support}, and what the
 * {@code explore} commands write, with their default settings: {@code explore/neighbours}, {@code explore/embed},
 * {@code explore/leakage} (skipped for fewer than {@value #MIN_EXPLORE} or more than {@value #MAX_EXPLORE_TARGETS}
 * targets, or fewer than {@value #MIN_EXPLORE} training examples; k, components and clusters are capped at what the
 * sizes allow, and the files record the values used).
 */
public final class Pipeline {
    public static final String RUN_JSON = "run.json";
    /** The command recorded in the provenance of the stores' training. */
    static final String COMMAND = "datamodels run";
    /** Offsets from the root seed of the counterfactual and support stages' seeds. */
    static final long SEED_COUNTERFACTUAL = 2;
    static final long SEED_SUPPORT = 3;
    /** The folder of the explore stage's outputs, inside a run folder. */
    public static final String EXPLORE = "explore";
    /** The fewest targets and training examples the explore stage runs on (leakage z-scores need 3). */
    public static final int MIN_EXPLORE = 3;
    /**
     * The most targets the explore stage runs on: it holds T x T similarity matrices (8 T^2 bytes each, 128 MB at
     * this size) and eigendecomposes them; beyond it, run the {@code explore} commands by hand.
     */
    public static final int MAX_EXPLORE_TARGETS = 4000;

    private Pipeline() {
    }

    /** Progress of the stages. */
    public interface Reporter {
        /** A stage starts or says something. */
        void line(String text);

        /** Listener for a training stage. */
        Runner.Listener training(String what);
    }

    /** The figures a run ends with. */
    public record Headline(double meanTargetAccuracy, double meanTrainAccuracy, Lds.Summary lds,
                           Counterfactual.Summary counterfactual, Support.Summary support) {
    }

    record RunRecord(@com.fasterxml.jackson.annotation.JsonProperty("config") JsonNode config,
                     @com.fasterxml.jackson.annotation.JsonProperty("provenance") Provenance provenance) {
    }

    /** Runs (or resumes) {@code cfg} in {@code dir}. */
    public static Headline run(ExperimentConfig cfg, Path dir, Gemm gemm, Reporter rep, String command)
            throws IOException {
        int threads = cfg.threads() == null ? Runtime.getRuntime().availableProcessors() : cfg.threads();
        DatasetSpec src = DatasetSpec.parse(cfg.data());
        DatasetSpec tsrc = cfg.targetData() == null ? DataBinding.defaultTargetSource(src)
                : DatasetSpec.parse(cfg.targetData());
        DataBinding binding = new DataBinding(src, Selection.parse(cfg.train()), tsrc, Selection.parse(cfg.targets()));
        // Validate the learner config and the evaluations' sizes before any work, then claim the folder.
        Learners.resolveConfig(cfg.learner(), cfg.learnerConfig());
        checkEvalSizes(cfg, binding);
        Files.createDirectories(dir);
        // Through text, so that numbers compare with the node types a file read gives.
        JsonNode cfgJson = Json.parseTree(RUN_JSON, Json.write(cfg));
        Path runJson = dir.resolve(RUN_JSON);
        if (Files.exists(runJson)) {
            RunRecord old = Json.read(runJson, RunRecord.class);
            if (!old.config().equals(cfgJson)) {
                throw new ConfigException(RUN_JSON + ": config: expected " + old.config() + " (this folder's run), got "
                        + cfgJson + "; use another folder for another experiment");
            }
        } else {
            AtomicFiles.writeString(runJson, Json.write(new RunRecord(cfgJson, Provenance.now(gemm.name(), command))));
        }

        Path store = dir.resolve("store");
        Path heldOut = dir.resolve("held-out");
        Path fit = dir.resolve("datamodels");
        ensureStore(store, binding, cfg, cfg.seed(), cfg.models(), rep, "store");
        if (cfg.heldOutModels() > 0) {
            ensureStore(heldOut, binding, cfg, cfg.seed() + 1, cfg.heldOutModels(), rep, "held-out store");
        }
        train(store, cfg, gemm, threads, rep, "train");
        if (cfg.heldOutModels() > 0) {
            train(heldOut, cfg, gemm, threads, rep, "train held-out models");
        }
        LassoConfig lasso = cfg.lasso(threads);
        double targetAcc;
        double trainAcc;
        try (Store s = Store.open(store, false)) {
            if (!Files.exists(fit.resolve(Fitter.FIT_JSON))) {
                rep.line("fit: a LASSO path per target, lambda chosen on held-out models");
                Fitter.Summary sum = Fitter.fit(s, fit, FitRequest.builder().masksKey(Store.MASKS)
                        .outputsKey(Outputs.MARGINS).config(lasso).gemm(gemm).force(true).command(command).build());
                rep.line(String.format("fit: %d targets in %.1f s", sum.targetTo() - sum.targetFrom(), sum.seconds()));
                String few = io.datamodels.regress.Datamodels.load(fit).fewModelsWarning(sum.modelsCompleted());
                if (few != null) {
                    rep.line("fit: " + few);
                }
            } else {
                rep.line("fit: done before, skipped");
            }
            targetAcc = fractionPositive(s.array(Outputs.MARGINS));
            trainAcc = mean(s.array(Outputs.TRAIN_ACCURACY));
        }
        Lds.Summary lds = null;
        if (cfg.heldOutModels() > 0) {
            Path out = dir.resolve("eval/lds");
            if (!Files.exists(out.resolve("lds.json"))) {
                rep.line("eval lds: predicted vs actual margins of the held-out models");
                try (Store h = Store.open(heldOut, false)) {
                    Lds.Result r = Lds.run(fit, h, gemm, cfg.seed());
                    Lds.write(r, 0, out, true);
                }
            }
            lds = Json.read(out.resolve("lds.json"), Lds.Summary.class);
        }
        Counterfactual.Summary cf = null;
        if (cfg.counterfactual() != null) {
            var c = cfg.counterfactual();
            Path out = dir.resolve("eval/counterfactual");
            if (!Files.exists(out.resolve("counterfactual.json"))) {
                rep.line("eval counterfactual: remove top-k supporters, retrain, compare");
                Counterfactual exp = new Counterfactual(c.targetIndices(), c.k().stream().mapToInt(i -> i).toArray(),
                        c.base(), c.retrains(), cfg.seed() + SEED_COUNTERFACTUAL);
                try (Store s = Store.open(store, false)) {
                    Counterfactual.write(exp.run(fit, s, dir.resolve("eval/counterfactual.work"), gemm, threads,
                            rep.training("retrain (counterfactual)")), out, true);
                }
            }
            cf = Json.read(out.resolve("counterfactual.json"), Counterfactual.Summary.class);
        }
        Support.Summary sup = null;
        if (cfg.support() != null) {
            var c = cfg.support();
            Path out = dir.resolve("eval/support");
            if (!Files.exists(out.resolve("support.json"))) {
                rep.line("eval support: smallest removal that flips each prediction, verified by retraining");
                Support exp = new Support(c.targetIndices(), c.maxK(), c.grid().stream().mapToInt(i -> i).toArray(),
                        c.base(), c.retrains(), cfg.seed() + SEED_SUPPORT);
                try (Store s = Store.open(store, false)) {
                    Support.write(exp.run(fit, s, dir.resolve("eval/support.work"), gemm, threads,
                            rep.training("retrain (support)")), out, true);
                }
            }
            sup = Json.read(out.resolve("support.json"), Support.Summary.class);
        }
        explore(dir, fit, rep, command);
        return new Headline(targetAcc, trainAcc, lds, cf, sup);
    }

    /**
     * The explore stage: neighbours, embedding and leakage of the fit, with the explore commands' defaults, each
     * skipped when its folder is complete.
     */
    private static void explore(Path dir, Path fitDir, Reporter rep, String command) throws IOException {
        Path out = dir.resolve(EXPLORE);
        Path nb = out.resolve("neighbours");
        Path em = out.resolve("embed");
        Path lk = out.resolve("leakage");
        boolean nbDone = Files.exists(nb.resolve("neighbours.json"));
        boolean emDone = Files.exists(em.resolve("embed.json"));
        boolean lkDone = Files.exists(lk.resolve(Leakage.JSON));
        if (nbDone && emDone && lkDone) {
            return;
        }
        FitFolder fit = FitFolder.load(fitDir);
        Datamodels dm = fit.datamodels();
        int m = dm.trainSize();
        int t = dm.targets();
        if (t < MIN_EXPLORE || m < MIN_EXPLORE || t > MAX_EXPLORE_TARGETS) {
            rep.line(String.format(Locale.ROOT, "explore: skipped (%d targets, %d training examples; it runs on %d to "
                    + "%d targets and at least %d examples); the explore commands run on any fit", t, m, MIN_EXPLORE,
                    MAX_EXPLORE_TARGETS, MIN_EXPLORE));
            return;
        }
        long start = System.nanoTime();
        int from = fit.summary().targetFrom();
        FitData data = FitData.of(fit.summary(), m, t);
        Provenance p = Provenance.now("none (Java loops, EJML eigendecomposition)", command);
        if (!nbDone) {
            Neighbours n = Neighbours.of(dm, from, new Neighbours.Options(Math.min(Neighbours.Options.DEFAULT_K, m)));
            Neighbours.Summary s = n.write(nb, true, fitDir, data, p);
            rep.line(s.nearestSameClass() == null ? "explore neighbours: done"
                    : String.format(Locale.ROOT, "explore neighbours: the nearest target in datamodel space has the "
                    + "same class for %.1f%% of targets (chance %.1f%%)", 100 * s.nearestSameClass(),
                    100 * s.sameClassChance()));
        }
        if (!emDone) {
            Embedding.Options o = Embedding.Options.defaults()
                    .withComponents(Math.min(Embedding.Options.DEFAULT_COMPONENTS, Math.min(t, m)))
                    .withClusters(Math.min(Embedding.Options.DEFAULT_CLUSTERS, t));
            Embedding.Summary s = Embedding.of(dm, from, o).write(em, true, fitDir, data, p);
            double top = 0;
            for (double v : s.explained()) {
                top += v;
            }
            rep.line(String.format(Locale.ROOT, "explore embed: %d principal components explain %.1f%% of the weight "
                    + "vectors' variance; %d spectral clusters%s", o.components(), 100 * top, o.clusters(),
                    s.ari() == null ? "" : String.format(Locale.ROOT, ", adjusted Rand index %.3f against the labels",
                            s.ari())));
        }
        if (!lkDone) {
            Leakage.Result r = Leakage.find(dm, LeakageOptions.defaults());
            Leakage.write(r, from, lk, true, fitDir.toString(), p);
            rep.line(String.format(Locale.ROOT, "explore leakage: %d candidate near-duplicate pairs flagged", r.pairs()
                    .size()));
        }
        rep.line(String.format(Locale.ROOT, "explore: done in %.1f s, in %s", (System.nanoTime() - start) / 1e9, out));
    }

    /**
     * Checks what the counterfactual and support stages need of the store, before any training: their targets within
     * the store's targets, each k and max_k within the base set.
     */
    private static void checkEvalSizes(ExperimentConfig cfg, DataBinding binding) throws IOException {
        if (cfg.counterfactual() == null && cfg.support() == null) {
            return;
        }
        DataBinding.Loaded data = binding.load();
        int m = data.train().rows();
        int t = data.targets().rows();
        if (cfg.counterfactual() != null) {
            var c = cfg.counterfactual();
            checkTargets("counterfactual.targets", c.targets(), c.targetIndices(), t);
            int base = BaseSet.parse(c.base()).size(cfg.sampler(), cfg.alpha(), cfg.seed() + SEED_COUNTERFACTUAL,
                    m);
            for (int k : c.k()) {
                if (k > base) {
                    throw new ConfigException(RUN_JSON + ": counterfactual.k: expected values up to " + base + " (the "
                            + c.base() + " base set's size), got " + k);
                }
            }
        }
        if (cfg.support() != null) {
            var c = cfg.support();
            checkTargets("support.targets", c.targets(), c.targetIndices(), t);
            int base = BaseSet.parse(c.base()).size(cfg.sampler(), cfg.alpha(), cfg.seed() + SEED_SUPPORT, m);
            if (c.maxK() > base) {
                throw new ConfigException(RUN_JSON + ": support.max_k: expected at most " + base + " (the " + c.base()
                        + " base set's size), got " + c.maxK());
            }
        }
    }

    private static void checkTargets(String field, String text, int[] indices, int t) throws ConfigException {
        for (int q : indices) {
            if (q >= t) {
                throw new ConfigException(RUN_JSON + ": " + field + ": expected a range within [0, " + t
                        + ") of the experiment's targets, got " + text);
            }
        }
    }

    private static void ensureStore(Path store, DataBinding binding, ExperimentConfig cfg, long seed, long n,
                                    Reporter rep, String what) throws IOException {
        if (Files.exists(store.resolve(Store.SPEC_FILE))) {
            return;
        }
        rep.line("init: " + what + ", " + n + " models, alpha " + cfg.alpha() + ", seed " + seed);
        StoreInit.create(store, binding, InitOptions.builder(n).sampler(Sampler.of(cfg.sampler())).alpha(cfg.alpha())
                .seed(seed).command(COMMAND).build()).close();
    }

    private static void train(Path dir, ExperimentConfig cfg, Gemm gemm, int threads, Reporter rep, String what)
            throws IOException {
        try (Store s = Store.open(dir, true)) {
            if (s.completedCount() == s.numModels()) {
                return;
            }
            JsonNode fields = cfg.learnerConfig();
            TrainOptions options = TrainOptions.builder(cfg.learner())
                    .config(fields == null || fields.isNull() ? Json.object() : fields)
                    .threads(threads).gemm(gemm).command(COMMAND).build();
            Training.Result r;
            try (Training t = Training.start(s, options)) {
                rep.line(what + ": " + t.learnerName() + " (" + gemm.name() + " kernel), " + t.remaining()
                        + " models to go");
                r = t.run(rep.training(what));
            }
            if (r.quality().line() != null) {
                rep.line(what + ": " + r.quality().line());
            }
            for (String warning : r.quality().warnings()) {
                rep.line(what + ": " + warning);
            }
            r.requireNoFailures(what);
        }
    }

    private static double fractionPositive(NpyArray a) {
        long pos = 0;
        for (long i = 0; i < a.size(); i++) {
            pos += a.getDouble(i) > 0 ? 1 : 0;
        }
        return a.size() == 0 ? Double.NaN : (double) pos / a.size();
    }

    private static double mean(NpyArray a) {
        double s = 0;
        for (long i = 0; i < a.size(); i++) {
            s += a.getDouble(i);
        }
        return a.size() == 0 ? Double.NaN : s / a.size();
    }
}
