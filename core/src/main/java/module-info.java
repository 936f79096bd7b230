/**
 * Datamodels (Ilyas et al. 2022) on the JVM: the pipeline data -> subset -> store -> learn -> train -> regress ->
 * eval -> explore, with {@code pipeline} as the common path over all of them. Every package but {@code io.datamodels.internal}
 * is API; {@code docs/API.md} lists the public types. The Vector API module is optional: without it the kernels fall
 * back to OpenBLAS (when a {@link io.datamodels.kernel.Gemm} provider such as {@code datamodels-openblas} is present)
 * or to the scalar reference.
 */
module io.datamodels {
    requires transitive com.fasterxml.jackson.databind;
    requires java.desktop;
    requires java.management;
    requires ejml.core;
    requires ejml.ddense;
    requires static jdk.incubator.vector;

    exports io.datamodels;
    exports io.datamodels.data;
    exports io.datamodels.subset;
    exports io.datamodels.store;
    exports io.datamodels.store.npy;
    exports io.datamodels.kernel;
    exports io.datamodels.learn;
    exports io.datamodels.train;
    exports io.datamodels.regress;
    exports io.datamodels.eval;
    exports io.datamodels.pipeline;
    exports io.datamodels.explore;
    exports io.datamodels.attribute;

    // Jackson reads and writes the records of these packages (configs, store.json, fit.json, ...) by reflection.
    opens io.datamodels to com.fasterxml.jackson.databind;
    opens io.datamodels.data to com.fasterxml.jackson.databind;
    opens io.datamodels.subset to com.fasterxml.jackson.databind;
    opens io.datamodels.store to com.fasterxml.jackson.databind;
    opens io.datamodels.learn to com.fasterxml.jackson.databind;
    opens io.datamodels.train to com.fasterxml.jackson.databind;
    opens io.datamodels.regress to com.fasterxml.jackson.databind;
    opens io.datamodels.eval to com.fasterxml.jackson.databind;
    opens io.datamodels.pipeline to com.fasterxml.jackson.databind;
    opens io.datamodels.explore to com.fasterxml.jackson.databind;
    opens io.datamodels.attribute to com.fasterxml.jackson.databind;

    uses io.datamodels.kernel.Gemm;
}
