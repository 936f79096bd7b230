package io.datamodels.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.Template;
import io.datamodels.ConfigException;
import io.datamodels.Json;
import io.datamodels.Provenance;
import io.datamodels.attribute.Attributor;
import io.datamodels.attribute.Method;
import io.datamodels.data.DataBinding;
import io.datamodels.data.DataFormatException;
import io.datamodels.data.Dataset;
import io.datamodels.eval.Counterfactual;
import io.datamodels.eval.Lds;
import io.datamodels.eval.Support;
import io.datamodels.kernel.Kernels;
import io.datamodels.regress.Datamodels;
import io.datamodels.regress.FitFolder;
import io.datamodels.regress.Fitter;
import io.datamodels.store.AtomicFiles;
import io.datamodels.store.Store;
import io.datamodels.store.npy.Npy;
import io.datamodels.store.npy.NpyArray;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * One self-contained HTML report of a {@code run} (or {@code demo}) folder: the run's summary and provenance, the
 * LDS histogram and predicted-vs-actual scatters, the counterfactual and support charts, per-target galleries of
 * top supporters and opposers (Ilyas et al. 2022, Fig. 1 shows a target beside its top supporters), and, where the
 * {@code explore} commands wrote them, leakage pairs, nearest targets and embedding ends. Each section appears only
 * where its files exist.
 *
 * <p>The file needs nothing but a browser: charts are inline SVG (JFreeChart drawn by Batik), images inline PNG data
 * URIs, and a Content-Security-Policy forbids any fetch. The HTML comes from the template
 * {@code report.html.mustache}, which escapes every value it does not get as trusted SVG or data URI.
 *
 * <p>Examples are shown from the data the fit was made from, loaded through the fingerprints in {@code fit.json}
 * ({@link DataBinding#loadVerified(io.datamodels.data.DatasetRef, Path)}), so a changed or missing dataset is an
 * error, not a wrong picture.
 */
public final class RunReport {
    /** The report's file name inside a run folder. */
    public static final String FILE = "report.html";
    static final String TEMPLATE = "report.html.mustache";

    static {
        // Charts and images draw through java.awt, which must not look for a display.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private RunReport() {
    }

    /** How the galleries show examples. */
    public enum Gallery {
        /** Images for image data, feature rows for tabular data. */
        AUTO,
        /** Images; an error for tabular data. */
        IMAGES,
        /** Feature rows, for any data. */
        FEATURES;

        /** Parses {@code auto}, {@code images} or {@code features}. */
        public static Gallery parse(String s) {
            for (Gallery g : values()) {
                if (g.name().equalsIgnoreCase(s)) {
                    return g;
                }
            }
            throw new IllegalArgumentException("gallery: expected auto, images or features, got '" + s + "'");
        }
    }

    /**
     * What the report shows; defaults: galleries for the first 6 targets with 5 supporters and 5 opposers each,
     * {@link Gallery#AUTO}, LDS scatters for 3 targets, 12 leakage pairs.
     *
     * @param galleryTargets targets with a gallery (the first ones of the fit), at least 0
     * @param topK           supporters and opposers per target, at least 1
     * @param gallery        images or feature rows
     * @param scatterTargets targets with a predicted-vs-actual LDS scatter, at least 0
     * @param leakagePairs   leakage pairs shown (highest scores first), at least 0
     */
    public record Options(int galleryTargets, int topK, Gallery gallery, int scatterTargets, int leakagePairs) {
        public Options {
            Objects.requireNonNull(gallery, "gallery");
            if (galleryTargets < 0) {
                throw new IllegalArgumentException("gallery targets must be >= 0, got " + galleryTargets);
            }
            if (topK < 1) {
                throw new IllegalArgumentException("top k must be >= 1, got " + topK);
            }
            if (scatterTargets < 0) {
                throw new IllegalArgumentException("scatter targets must be >= 0, got " + scatterTargets);
            }
            if (leakagePairs < 0) {
                throw new IllegalArgumentException("leakage pairs must be >= 0, got " + leakagePairs);
            }
        }

        /** The defaults. */
        public static Options defaults() {
            return new Options(6, 5, Gallery.AUTO, 3, 12);
        }

        /** With another number of gallery targets. */
        public Options withGalleryTargets(int n) {
            return new Options(n, topK, gallery, scatterTargets, leakagePairs);
        }

        /** With another number of supporters and opposers per target. */
        public Options withTopK(int k) {
            return new Options(galleryTargets, k, gallery, scatterTargets, leakagePairs);
        }

        /** With another gallery kind. */
        public Options withGallery(Gallery g) {
            return new Options(galleryTargets, topK, g, scatterTargets, leakagePairs);
        }
    }

    /**
     * The report written.
     *
     * @param file     where it is
     * @param bytes    its size
     * @param sections the ids of the sections it has, in page order
     */
    public record Written(Path file, long bytes, List<String> sections) {
    }

    /**
     * Where the parts of a report are: the fit folder (required) and, where present, the run's {@code run.json}, a
     * held-out store, the folders {@code eval lds}, {@code eval counterfactual} and {@code eval support} wrote, and a
     * folder holding what the {@code explore} commands wrote in {@code neighbours/}, {@code embed/} and
     * {@code leakage/}. A null part is absent; an absent folder shows nothing.
     *
     * @param fit            a folder written by {@code fit}
     * @param runJson        a run's {@code run.json}, or null
     * @param heldOut        a held-out store (for the LDS scatters, and the LDS itself where {@code lds} is null)
     * @param lds            an {@code eval lds} output folder, or null
     * @param counterfactual an {@code eval counterfactual} output folder, or null
     * @param support        an {@code eval support} output folder, or null
     * @param explore        a folder with the explore outputs in {@code neighbours/}, {@code embed/},
     *                       {@code leakage/}, or null
     */
    public record Inputs(Path fit, Path runJson, Path heldOut, Path lds, Path counterfactual, Path support,
                         Path explore) {
        /** Checks that the fit is given. */
        public Inputs {
            Objects.requireNonNull(fit, "fit");
        }

        /**
         * The parts of the run folder {@code runDir} ({@code run} and {@code demo} lay it out): {@code run.json},
         * {@code datamodels/}, {@code held-out/}, {@code eval/lds}, {@code eval/counterfactual},
         * {@code eval/support}, {@code explore/}.
         *
         * @throws ConfigException if {@code runDir} is not a run folder (no {@code run.json}) or has no finished fit
         */
        public static Inputs ofRun(Path runDir) throws ConfigException {
            Path runJson = runDir.resolve("run.json");
            if (!Files.isDirectory(runDir)) {
                throw new ConfigException(runDir + ": expected a run folder (made by 'datamodels run' or 'demo'), got "
                        + (Files.exists(runDir) ? "a file" : "nothing there"));
            }
            if (!Files.isRegularFile(runJson)) {
                throw new ConfigException(runJson + ": expected a run folder's run.json (made by 'datamodels run' or "
                        + "'demo'), got none: " + runDir + " is not a run folder");
            }
            Path fitDir = runDir.resolve("datamodels");
            if (!Files.isRegularFile(fitDir.resolve(Fitter.FIT_JSON))) {
                throw new ConfigException(fitDir.resolve(Fitter.FIT_JSON) + ": expected the run's fit, got none (the "
                        + "run has not finished its fit; rerun 'datamodels run' on the same folder to resume it)");
            }
            Path held = runDir.resolve("held-out");
            return new Inputs(fitDir, runJson, Files.isRegularFile(held.resolve(Store.SPEC_FILE)) ? held : null,
                    runDir.resolve("eval/lds"), runDir.resolve("eval/counterfactual"), runDir.resolve("eval/support"),
                    runDir.resolve("explore"));
        }

        /** The fit folder {@code fit} alone. */
        public static Inputs ofFit(Path fit) {
            return new Inputs(fit, null, null, null, null, null, null);
        }

        /** With a held-out store. */
        public Inputs withHeldOut(Path p) {
            return new Inputs(fit, runJson, p, lds, counterfactual, support, explore);
        }

        /** With an {@code eval lds} output folder. */
        public Inputs withLds(Path p) {
            return new Inputs(fit, runJson, heldOut, p, counterfactual, support, explore);
        }

        /** With an {@code eval counterfactual} output folder. */
        public Inputs withCounterfactual(Path p) {
            return new Inputs(fit, runJson, heldOut, lds, p, support, explore);
        }

        /** With an {@code eval support} output folder. */
        public Inputs withSupport(Path p) {
            return new Inputs(fit, runJson, heldOut, lds, counterfactual, p, explore);
        }

        /** With a folder of explore outputs ({@code neighbours/}, {@code embed/}, {@code leakage/}). */
        public Inputs withExplore(Path p) {
            return new Inputs(fit, runJson, heldOut, lds, counterfactual, support, p);
        }
    }

    /**
     * Writes the report of the run folder {@code runDir} to {@code out} (atomically; an existing file is replaced).
     *
     * @param command the command line recorded in the report's provenance
     * @throws ConfigException     if {@code runDir} is not a run folder (no {@code run.json}) or has no finished fit
     * @throws DataFormatException if the fit's dataset is missing or differs from the fit's fingerprints, or images
     *                             are asked of a tabular source
     */
    public static Written write(Path runDir, Path out, Options options, String command) throws IOException {
        return write(Inputs.ofRun(runDir), out, options, command);
    }

    /**
     * Writes the report of {@code in} to {@code out} (atomically; an existing file is replaced; nothing is written
     * when any part is refused).
     *
     * @param command the command line recorded in the report's provenance
     * @throws java.nio.file.NoSuchFileException if the fit folder has no {@code fit.json}
     * @throws DataFormatException if the fit records no dataset, its dataset is missing or differs from the fit's
     *                             fingerprints, images are asked of a tabular source, or a part was made from another
     *                             fit
     * @throws io.datamodels.store.StoreException if the fitted or held-out store holds other data than the fit
     */
    public static Written write(Inputs in, Path out, Options options, String command) throws IOException {
        Rendered r = render(in, options, command);
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        AtomicFiles.writeString(out, r.html());
        return new Written(out, Files.size(out), r.sections());
    }

    /** The HTML and the ids of its sections. */
    record Rendered(String html, List<String> sections) {
    }

    static Rendered render(Path runDir, Options options, String command) throws IOException {
        return render(Inputs.ofRun(runDir), options, command);
    }

    static Rendered render(Inputs in, Options options, String command) throws IOException {
        Path fitDir = in.fit();
        if (!Files.isRegularFile(fitDir.resolve(Fitter.FIT_JSON))) {
            throw new NoSuchFileException(fitDir.resolve(Fitter.FIT_JSON).toString(), null, "missing: expected a "
                    + "folder written by 'fit'");
        }
        FitFolder fit = FitFolder.load(fitDir);
        Datamodels dm = fit.datamodels();
        int from = fit.summary().targetFrom();
        List<String> sections = new ArrayList<>();
        List<String> notes = new ArrayList<>();

        sections.add("summary");
        // The data first: a fit whose dataset is missing or changed is refused before any chart is drawn.
        boolean explore = in.explore() != null && Files.isDirectory(in.explore());
        Examples ex = options.galleryTargets() > 0 || explore ? Examples.load(fit, fitDir, options.gallery()) : null;
        JsonNode run = in.runJson() == null ? null : Json.parseTree(in.runJson().toString(),
                Files.readString(in.runJson()));
        Kind kind = Kind.of(fitDir, fit);
        List<View.Fact> runFacts = run != null ? runFacts(run, fit) : fitFacts(fitDir, fit, kind);
        List<View.Fact> prov = provenance(run != null ? run.get("provenance")
                : fit.summary().provenance() == null ? null : Json.tree(fit.summary().provenance()));

        List<View.Lds> lds = lds(in, fit, options, kind);
        if (!lds.isEmpty()) {
            sections.add("lds");
        }
        List<View.Chart> cf = in.counterfactual() == null ? List.of() : counterfactual(in.counterfactual(), kind);
        if (!cf.isEmpty()) {
            sections.add("counterfactual");
        }
        List<View.Chart> sup = in.support() == null ? List.of() : support(in.support(), kind);
        if (!sup.isEmpty()) {
            sections.add("support");
        }

        List<View.Gallery> gallery = List.of();
        Explore.Sections found = new Explore.Sections(java.util.Optional.empty(), java.util.Optional.empty(),
                java.util.Optional.empty(), java.util.Optional.empty());
        if (ex != null) {
            if (options.galleryTargets() > 0) {
                gallery = List.of(gallery(dm, ex, options));
                sections.add("gallery");
            }
            found = Explore.read(in.explore(), dm, from, ex, options);
            if (!ex.images()) {
                notes.add("The data is tabular (" + ex.train().name() + "), so examples are shown as feature rows.");
            }
        }
        found.neighbours().ifPresent(x -> sections.add("neighbours"));
        found.leakage().ifPresent(x -> sections.add("leakage"));
        List<View.Section> embed = new ArrayList<>();
        found.pca().ifPresent(embed::add);
        found.clusters().ifPresent(embed::add);
        embed.forEach(x -> sections.add(x.id()));
        Path named = in.runJson() != null ? in.runJson().toAbsolutePath().getParent() : fitDir.toAbsolutePath();
        String title = "datamodels report: " + named.normalize().getFileName();
        Provenance p = Provenance.now("none", command);
        String generated = "Made by datamodels " + p.library() + " on " + p.createdAt() + " (" + p.jdk() + ", "
                + p.os() + ") with: " + command;
        View.Page page = new View.Page(title, generated, kind.intro(), runFacts, prov, lds, cf, sup, gallery,
                found.neighbours().stream().toList(), found.leakage().stream().toList(), embed, notes);
        return new Rendered(template().execute(page), sections);
    }

    static Template template() {
        try (Reader r = new InputStreamReader(Objects.requireNonNull(RunReport.class.getResourceAsStream(TEMPLATE),
                TEMPLATE), StandardCharsets.UTF_8)) {
            // Null values (an example without an image) are empty and false; a missing name is still an error.
            return Mustache.compiler().nullValue("").emptyStringIsFalse(true)
                    .withLoader(name -> new InputStreamReader(Objects.requireNonNull(
                            RunReport.class.getResourceAsStream(name + ".mustache"), name), StandardCharsets.UTF_8))
                    .compile(r);
        } catch (IOException e) {
            throw new IllegalStateException(TEMPLATE + " could not be read from the jar", e);
        }
    }

    /**
     * What made the fit folder, as the page names it: a LASSO fit ({@code attribution} null) or an attribution
     * method, described by its {@code attribute.json}.
     */
    record Kind(Attributor.Summary attribution) {
        static final String LASSO_INTRO = "Datamodels (Ilyas et al. 2022) predict a model's output on one target "
                + "from which training examples it was trained on: a bias plus one weight per training example. A "
                + "positive weight means the example pushes the target's margin (its correct-class score minus the "
                + "best other class) up; a negative one pushes it down. This page shows how well those predictions "
                + "hold on models the fit never saw, and which training examples the weights single out.";

        static Kind of(Path fitDir, FitFolder fit) throws IOException {
            return new Kind(Attributor.readSummary(fitDir, fit.summary()).orElse(null));
        }

        private Method m() {
            return Method.of(attribution.method());
        }

        /** What predicts, in a caption: "the datamodels", "the TRAK scores", ... */
        String noun() {
            if (attribution == null) {
                return "the datamodels";
            }
            return switch (m()) {
                case TRAK -> "the TRAK scores";
                case INFLUENCE -> "the influence scores";
                case GRADIENT_DOT -> "the gradient dot products";
            };
        }

        /** The method fact: the method and its settings. */
        String method() {
            if (attribution == null) {
                return "datamodels: LASSO regression of the store's outputs on its masks, lambda chosen on validation "
                        + "models (Ilyas et al. 2022)";
            }
            Attributor.Summary a = attribution;
            String models = a.models() + " " + a.learner() + " model" + (a.models() == 1 ? "" : "s");
            String damping = "damping " + a.damping();
            String output = "output " + a.outputKey();
            return switch (m()) {
                case TRAK -> "TRAK (Park et al. 2023), written by 'attribute': an ensemble of " + models + ", gradients "
                        + "projected to k = " + a.projDim() + " of " + a.parameters() + " parameters (" + a.projection()
                        + "), " + damping + "; " + output;
                case INFLUENCE -> "influence functions (Koh and Liang 2017), written by 'attribute': " + models + ", "
                        + (a.learner().equals("softmax") ? "the exact Hessian" : "conjugate gradient on Gauss-Newton "
                        + "products") + " of " + a.parameters() + " parameters, " + damping + "; " + output;
                case GRADIENT_DOT -> "gradient dot product (one SGD step's first-order effect), written by "
                        + "'attribute': " + models + " of " + a.parameters() + " parameters; " + output;
            };
        }

        /** The models fact of an attribution: which models were trained, on what. */
        String models(String sampling) {
            Attributor.Summary a = attribution;
            return a.models() + " trained by 'attribute' " + (a.trainOn().equals("full")
                    ? "on the whole training set (seed " + a.seed() + ")"
                    : "on the store's subsets, rows 0 to " + (a.models() - 1) + sampling);
        }

        /** The paragraph under the title. */
        String intro() {
            if (attribution == null) {
                return LASSO_INTRO;
            }
            return "This folder holds " + noun().substring(4) + " that 'attribute' computed (" + method() + "), in the "
                    + "layout of a datamodels fit: for each target, a bias plus one weight per training example, so "
                    + "that a model's output on the target is predicted from which training examples it was trained "
                    + "on. A positive weight means the example pushes the target's output up; a negative one pushes it "
                    + "down; the scale is the method's own. This page shows how well those predictions hold on models "
                    + "the attribution never saw, and which training examples the weights single out.";
        }
    }

    private static List<View.Fact> runFacts(JsonNode run, FitFolder fit) {
        List<View.Fact> f = new ArrayList<>();
        JsonNode cfg = run.path("config");
        Fitter.Summary s = fit.summary();
        f.add(new View.Fact("data", text(cfg, "data") + (cfg.path("target_data").isTextual()
                ? "; targets from " + cfg.path("target_data").asText() : "")));
        f.add(new View.Fact("training set", s.trainSize() + " examples (selection " + text(cfg, "train") + ")"));
        f.add(new View.Fact("targets", (s.targetTo() - s.targetFrom()) + " (selection " + text(cfg, "targets") + ")"));
        f.add(new View.Fact("learner", text(cfg, "learner") + (cfg.path("learner_config").isObject()
                ? " " + cfg.path("learner_config") : "")));
        f.add(new View.Fact("models", s.modelsCompleted() + " trained on random subsets (" + text(cfg, "sampler")
                + ", alpha " + text(cfg, "alpha") + "); " + s.modelsTrain() + " fit, " + s.modelsVal()
                + " chose lambda"));
        f.add(new View.Fact("held-out models", text(cfg, "held_out_models")));
        f.add(new View.Fact("seed", text(cfg, "seed")));
        return f;
    }

    /** The summary of a fit without a run: fit.json's figures and, where the fitted store is there, its sampling. */
    private static List<View.Fact> fitFacts(Path fitDir, FitFolder fit, Kind kind) throws IOException {
        List<View.Fact> f = new ArrayList<>();
        Fitter.Summary s = fit.summary();
        f.add(new View.Fact("method", kind.method()));
        f.add(new View.Fact(kind.attribution() == null ? "fit" : "attribution", fitDir.toString()));
        if (s.dataset() != null) {
            f.add(new View.Fact("data", s.dataset().source().toString() + (s.dataset().targetSource() != null
                    ? "; targets from " + s.dataset().targetSource() : "")));
        }
        f.add(new View.Fact("training set", s.trainSize() + " examples" + (s.dataset() != null
                ? " (selection " + s.dataset().train() + ")" : "")));
        f.add(new View.Fact("targets", (s.targetTo() - s.targetFrom()) + " (positions " + s.targetFrom() + " to "
                + (s.targetTo() - 1) + " of the target selection)"));
        String sampling = "";
        Path store = s.store() == null ? null : Path.of(s.store());
        if (store != null && Files.isRegularFile(store.resolve(Store.SPEC_FILE))) {
            try (Store st = Store.open(store, false)) {
                var m = st.meta();
                if (m.isPresent() && m.get().sampling() != null) {
                    sampling = " (" + m.get().sampling().sampler() + ", alpha " + m.get().sampling().alpha()
                            + ", seed " + m.get().sampling().seed() + ")";
                }
            }
            Path train = store.resolve(io.datamodels.train.TrainRecord.FILE);
            if (Files.isRegularFile(train)) {
                var t = Json.read(train, io.datamodels.train.TrainRecord.class);
                f.add(new View.Fact("learner", t.learner().toString().toLowerCase(Locale.ROOT)
                        + (t.config() != null ? " " + t.config() : "")));
            }
        }
        f.add(new View.Fact("models", kind.attribution() == null ? s.modelsCompleted() + " trained on random subsets"
                + sampling + "; " + s.modelsTrain() + " fit, " + s.modelsVal() + " chose lambda"
                : kind.models(sampling)));
        f.add(new View.Fact("store", s.store() == null ? "-" : s.store()));
        return f;
    }

    private static List<View.Fact> provenance(JsonNode p) {
        List<View.Fact> f = new ArrayList<>();
        if (p == null || !p.isObject()) {
            return f;
        }
        for (String k : new String[]{"command", "library", "jdk", "os", "kernel", "created_at"}) {
            if (p.hasNonNull(k)) {
                f.add(new View.Fact(k.replace('_', ' '), p.get(k).asText()));
            }
        }
        return f;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? "-" : v.asText();
    }

    static String num(double v) {
        return Double.isNaN(v) ? "undefined" : String.format(Locale.ROOT, "%.3f", v);
    }

    private static String weight(double v) {
        return String.format(Locale.ROOT, "%+.4f", v);
    }

    /**
     * The LDS section: the figures, the histogram of per-target Spearman, and scatters for a few targets. From an
     * {@code eval lds} folder where there is one, else computed here from the held-out store.
     */
    private static List<View.Lds> lds(Inputs in, FitFolder fit, Options o, Kind kind) throws IOException {
        Path json = in.lds() == null ? null : in.lds().resolve("lds.json");
        Lds.Summary s;
        double[] sp;
        if (json != null && Files.isRegularFile(json)) {
            s = Json.read(json, Lds.Summary.class);
            if (s.targets() != fit.datamodels().targets()) {
                throw new DataFormatException(json.toString(), "targets: expected " + fit.datamodels().targets()
                        + " (the report's fit), got " + s.targets() + " (an evaluation of another fit)");
            }
            Path per = in.lds().resolve("lds_per_target.npy");
            sp = null;
            if (Files.isRegularFile(per)) {
                double[] table = Npy.readDoubles(per);
                if (table.length != 2 * s.targets()) {
                    throw new DataFormatException(per.toString(), "shape: expected (" + s.targets() + ", 2), got "
                            + table.length + " values");
                }
                sp = new double[s.targets()];
                for (int q = 0; q < sp.length; q++) {
                    sp[q] = table[2 * q];
                }
            }
        } else if (in.heldOut() != null) {
            Lds.Result r;
            try (Store h = Store.open(in.heldOut(), false)) {
                r = Lds.run(in.fit(), h, Kernels.gemm(), 0);
            }
            s = r.summary();
            sp = r.spearman();
        } else {
            return List.of();
        }
        List<View.Fact> facts = new ArrayList<>();
        facts.add(new View.Fact("mean Spearman over targets", num(s.meanSpearman()) + " (95% CI " + num(s.spearmanCi()[0])
                + " to " + num(s.spearmanCi()[1]) + ")"));
        facts.add(new View.Fact("mean Pearson over targets", num(s.meanPearson())));
        facts.add(new View.Fact("held-out models", Integer.toString(s.models())));
        facts.add(new View.Fact("targets without a defined correlation", Integer.toString(s.undefined())));
        if (json == null || !Files.isRegularFile(json)) {
            facts.add(new View.Fact("computed here from", in.heldOut() + " (no 'eval lds' folder was given)"));
        }
        List<View.Chart> charts = new ArrayList<>();
        if (sp != null) {
            double[] defined = Arrays.stream(sp).filter(Double::isFinite).toArray();
            charts.add(new View.Chart("lds-histogram", Charts.histogram("lds-histogram", defined, 20, -1, 1,
                    s.meanSpearman(), "Spearman correlation of predicted and actual margins", "targets"),
                    "How well do " + kind.noun() + " predict models they never saw, target by target?",
                    "Each target's rank correlation between its predicted margin (bias plus the weights of the "
                            + "training examples in a subset) and the actual margin of " + s.models()
                            + " held-out models; the dashed line is the mean, " + num(s.meanSpearman())
                            + ". 1 means " + kind.noun() + " order the held-out models perfectly, 0 no better than "
                            + "chance."));
            if (o.scatterTargets() > 0 && defined.length > 0 && in.heldOut() != null) {
                charts.add(scatter(in.heldOut(), fit, sp, o.scatterTargets(), kind));
            }
        }
        return List.of(new View.Lds(facts, charts));
    }

    /**
     * Predicted against actual margins on the held-out models for the targets at the 90th, 50th and 10th percentile
     * of Spearman (or fewer, as asked): a good, a typical and a poor target.
     */
    private static View.Chart scatter(Path held, FitFolder fit, double[] sp, int n, Kind kind) throws IOException {
        Integer[] order = IntStream.range(0, sp.length).filter(q -> Double.isFinite(sp[q])).boxed()
                .sorted((a, b) -> Double.compare(sp[b], sp[a])).toArray(Integer[]::new);
        TreeMap<Integer, String> picked = new TreeMap<>();
        for (int i = 0; i < n && i < order.length; i++) {
            double quantile = n == 1 ? 0.5 : 0.1 + 0.8 * i / (n - 1);
            int q = order[(int) Math.round(quantile * (order.length - 1))];
            picked.putIfAbsent(q, "target " + q + " (Spearman " + num(sp[q]) + ")");
        }
        Datamodels dm = fit.datamodels();
        Fitter.Summary s = fit.summary();
        List<Charts.Series> series = new ArrayList<>();
        try (Store store = Store.open(held, false)) {
            FitFolder.checkSameData(s, store);
            NpyArray x = store.array(s.x());
            NpyArray y = store.array(s.y());
            long[] done = store.completedIndices();
            int m = dm.trainSize();
            long cols = y.rowElements();
            for (var e : picked.entrySet()) {
                int q = e.getKey();
                double[] px = new double[done.length];
                double[] py = new double[done.length];
                for (int r = 0; r < done.length; r++) {
                    double p = dm.bias(q);
                    long base = done[r] * m;
                    for (int j = 0; j < m; j++) {
                        if (x.getDouble(base + j) != 0) {
                            p += dm.weight(j, q);
                        }
                    }
                    px[r] = p;
                    py[r] = y.getDouble(done[r] * cols + s.targetFrom() + q);
                }
                series.add(new Charts.Series(e.getValue(), px, py));
            }
        }
        return new View.Chart("lds-scatter", Charts.scatter("lds-scatter", series, "predicted margin",
                "actual margin", true, false),
                "Do the predicted margins follow the actual ones for single targets?",
                "Each dot is one held-out model: the margin " + kind.noun() + " predict for its training subset against "
                        + "the margin the trained model gave, for a good, a typical and a poor target (90th, 50th "
                        + "and 10th percentile of Spearman); the dashed line is y = x.");
    }

    /** The counterfactual section: predicted against actual change of margin, one series per k. */
    private static List<View.Chart> counterfactual(Path dir, Kind kind) throws IOException {
        Path json = dir.resolve("counterfactual.json");
        Path csv = dir.resolve("counterfactual_points.csv");
        if (!Files.isRegularFile(json) || !Files.isRegularFile(csv)) {
            return List.of();
        }
        Counterfactual.Summary s = Json.read(json, Counterfactual.Summary.class);
        List<double[]> rows = Csv.read(csv, List.of("target", "k", "predicted_change", "actual_change"));
        TreeMap<Integer, List<double[]>> byK = new TreeMap<>();
        for (double[] r : rows) {
            byK.computeIfAbsent((int) r[1], k -> new ArrayList<>()).add(r);
        }
        List<Charts.Series> series = new ArrayList<>();
        for (var e : byK.entrySet()) {
            List<double[]> pts = e.getValue();
            series.add(new Charts.Series("k = " + e.getKey(), pts.stream().mapToDouble(r -> r[2]).toArray(),
                    pts.stream().mapToDouble(r -> r[3]).toArray()));
        }
        StringBuilder perK = new StringBuilder();
        for (int i = 0; i < s.ks().length; i++) {
            perK.append(i == 0 ? "" : ", ").append("k = ").append(s.ks()[i]).append(": ")
                    .append(num(s.pearsonPerK()[i]));
        }
        return List.of(new View.Chart("counterfactual", Charts.scatter("counterfactual", series,
                "predicted change of margin", "actual change of margin (mean of " + s.retrains() + " retrains)", true,
                false),
                "When a target's top-k supporters are removed and the model retrained, does its margin move as "
                        + kind.noun() + " predict?",
                "Each dot is one target and one k: the change of margin the weights predict for removing its k "
                        + "strongest supporters (from the " + s.base() + " base set) against the change measured by "
                        + "retraining. Pearson " + num(s.pearson()) + " over " + s.points() + " points (" + perK
                        + "); the dashed line is y = x."));
    }

    /** The support section: predicted and verified fraction of targets flipped per removal size. */
    private static List<View.Chart> support(Path dir, Kind kind) throws IOException {
        Path json = dir.resolve("support.json");
        if (!Files.isRegularFile(json)) {
            return List.of();
        }
        Support.Summary s = Json.read(json, Support.Summary.class);
        double[] k = Arrays.stream(s.grid()).asDoubleStream().toArray();
        return List.of(new View.Chart("support", Charts.scatter("support", List.of(
                        new Charts.Series("predicted by " + kind.noun(), k, s.predicted()),
                        new Charts.Series("verified by retraining", k, s.verified())),
                "training examples removed (at most k)", "fraction of targets whose prediction flips", false, true),
                "How many training examples must go before a correct prediction flips?",
                "Of " + s.considered() + " correctly classified targets, the fraction " + kind.noun() + " predict to flip "
                        + "when at most k of their strongest supporters are removed, and the fraction that retraining ("
                        + s.retrains() + " seeds) confirms; " + num(s.verifiedOfPredicted())
                        + " of the predicted flips were verified."));
    }

    /** Galleries of the first targets: image (or features), top supporters and top opposers with their weights. */
    private static View.Gallery gallery(Datamodels dm, Examples ex, Options o) {
        List<View.Target> targets = new ArrayList<>();
        int n = Math.min(o.galleryTargets(), dm.targets());
        for (int q = 0; q < n; q++) {
            targets.add(new View.Target(ex.targetFrom() + q, ex.targetLabel(q), ex.targetSrc(q), ex.targetFeatures(q),
                    weight(dm.bias(q)), examples(dm, ex, q, dm.topSupporters(q, o.topK())),
                    examples(dm, ex, q, dm.topOpposers(q, o.topK()))));
        }
        return new View.Gallery(ex.images(), o.topK(), targets, ex.featureNames());
    }

    private static List<View.Example> examples(Datamodels dm, Examples ex, int q, int[] idx) {
        List<View.Example> out = new ArrayList<>();
        for (int j : idx) {
            out.add(ex.train(j, weight(dm.weight(j, q))));
        }
        return out;
    }

    /**
     * The fit's training set and targets loaded and checked against its fingerprints, shown as images or feature
     * rows.
     */
    record Examples(Dataset train, Dataset targets, int targetFrom, Pictures pictures) {
        static final int MAX_FEATURES = 12;

        static Examples load(FitFolder fit, Path fitDir, Gallery gallery) throws IOException {
            Fitter.Summary s = fit.summary();
            Path fitJson = fitDir.resolve(Fitter.FIT_JSON);
            if (s.dataset() == null) {
                throw new DataFormatException(fitJson.toString(), "dataset: expected the dataset the fit was made "
                        + "from (sources and fingerprints), got none; the report cannot show its examples");
            }
            Path store = s.store() == null ? null : Path.of(s.store());
            if (store != null && Files.isRegularFile(store.resolve(Store.SPEC_FILE))) {
                // The fitted store, where it is still there, must hold the data the fit records.
                try (Store st = Store.open(store, false)) {
                    FitFolder.checkSameData(s, st);
                }
            }
            DataBinding.Loaded data;
            try {
                data = DataBinding.loadVerified(s.dataset(), store == null ? fitDir : store);
            } catch (NoSuchFileException e) {
                throw new DataFormatException(fitJson.toString(), "dataset: expected the data the fit was made from, "
                        + "at " + e.getFile() + ", got no such file");
            }
            if (data.train().rows() != s.trainSize()) {
                throw new DataFormatException(fitJson.toString(), "train_size: expected " + data.train().rows()
                        + " (the training selection's rows), got " + s.trainSize());
            }
            if (data.targets().rows() < s.targetTo()) {
                throw new DataFormatException(fitJson.toString(), "target_to: expected at most "
                        + data.targets().rows() + " (the target selection's rows), got " + s.targetTo());
            }
            boolean image = Pictures.isImage(data.train()) && Pictures.isImage(data.targets());
            Pictures pics = switch (gallery) {
                case IMAGES -> Pictures.of(data.train(), data.targets());
                case FEATURES -> null;
                case AUTO -> image ? Pictures.of(data.train(), data.targets()) : null;
            };
            return new Examples(data.train(), data.targets(), s.targetFrom(), pics);
        }

        boolean images() {
            return pictures != null;
        }

        int targetCount() {
            return targets.rows() - targetFrom;
        }

        String targetLabel(int q) {
            return targets.classNames().get(targets.label(targetFrom + q));
        }

        String targetSrc(int q) {
            return pictures == null ? null : pictures.dataUri(targets, targetFrom + q);
        }

        List<String> targetFeatures(int q) {
            return pictures == null ? features(targets, targetFrom + q) : List.of();
        }

        View.Example train(int j, String weight) {
            return new View.Example(j, train.classNames().get(train.label(j)), weight,
                    pictures == null ? null : pictures.dataUri(train, j),
                    pictures == null ? features(train, j) : List.of());
        }

        View.Example target(int q, String note) {
            return new View.Example(targetFrom + q, targetLabel(q), note, targetSrc(q), targetFeatures(q));
        }

        List<String> featureNames() {
            List<String> names = new ArrayList<>();
            for (int c = 0; c < Math.min(MAX_FEATURES, train.cols()); c++) {
                names.add("x" + c);
            }
            if (train.cols() > MAX_FEATURES) {
                names.add("...");
            }
            return names;
        }

        private static List<String> features(Dataset d, int i) {
            List<String> out = new ArrayList<>();
            for (int c = 0; c < Math.min(MAX_FEATURES, d.cols()); c++) {
                out.add(String.format(Locale.ROOT, "%.4g", d.get(i, c)));
            }
            if (d.cols() > MAX_FEATURES) {
                out.add("(" + (d.cols() - MAX_FEATURES) + " more)");
            }
            return out;
        }
    }
}
