module io.datamodels {
    requires com.fasterxml.jackson.databind;
    requires java.desktop;
    requires static jdk.incubator.vector;

    exports io.datamodels;
    exports io.datamodels.data;
    exports io.datamodels.eval;
    exports io.datamodels.kernel;
    exports io.datamodels.learn;
    exports io.datamodels.pipeline;
    exports io.datamodels.regress;
    exports io.datamodels.store;
    exports io.datamodels.store.npy;
    exports io.datamodels.subset;
    exports io.datamodels.train;

    uses io.datamodels.kernel.Gemm;
}
