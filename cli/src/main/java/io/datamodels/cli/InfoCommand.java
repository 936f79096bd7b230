package io.datamodels.cli;

import io.datamodels.Json;
import io.datamodels.store.Store;
import io.datamodels.store.StoreMeta;
import io.datamodels.store.StoreSpec;
import io.datamodels.store.npy.NpyArray;
import io.datamodels.store.npy.NpyHeader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code datamodels info}: what a store holds and how far it is. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show a store's keys (shapes, dtypes), completed rows, subset sampling, dataset and provenance.")
final class InfoCommand implements Callable<Integer> {
    @Mixin
    StoreOption store;

    @Mixin
    SpecOption specFile;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (Store s = specFile.open(store.store, false)) {
            long done = s.completedCount();
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("store", store.store.toAbsolutePath().toString());
                o.put("num_models", s.numModels());
                o.put("completed", done);
                o.put("spec", s.specSource());
                Map<String, Object> keys = new LinkedHashMap<>();
                for (String k : s.spec().schema().keySet()) {
                    NpyArray a = s.array(k);
                    keys.put(k, Map.of("shape", a.shape(), "dtype", a.dtype().numpyName(),
                            "bytes", a.header().dataBytes()));
                }
                o.put("keys", keys);
                s.meta().ifPresent(m -> o.put("meta", m));
                out.print(Json.write(o));
                out.flush();
                return ExitCodes.OK;
            }
            out.printf("store      %s%n", store.store.toAbsolutePath());
            out.printf("models     %d, completed %d (%.1f%%)%n", s.numModels(), done,
                    s.numModels() == 0 ? 0.0 : 100.0 * done / s.numModels());
            out.printf("spec       %s%n", s.specSource().describe());
            out.println("keys");
            long total = 0;
            for (Map.Entry<String, StoreSpec.KeySpec> e : s.spec().schema().entrySet()) {
                NpyArray a = s.array(e.getKey());
                total += a.header().dataBytes();
                out.printf("  %-16s %-8s %-20s %s%n", e.getKey(), a.dtype().numpyName(),
                        NpyHeader.shapeString(a.shape()), human(a.header().dataBytes()));
            }
            out.printf("  %-16s %-8s %-20s%n", StoreSpec.COMPLETED, "bool_", "(" + s.numModels() + ",)");
            out.printf("size       %s%n", human(total));
            if (s.meta().isEmpty()) {
                out.println("sampling   not recorded (no store.json: a store made by another tool)");
            }
            s.meta().ifPresent(m -> print(out, m));
            out.flush();
        }
        return ExitCodes.OK;
    }

    private static void print(PrintWriter out, StoreMeta m) {
        if (m.sampling() != null) {
            var sm = m.sampling();
            out.printf("sampling   %s, alpha %s, seed %d, train size %d%s%n", sm.sampler(), sm.alpha(), sm.seed(),
                    sm.trainSize(), sm.sampler().equals("exact") ? " (subset size " + sm.exactSize() + ")" : "");
        }
        if (m.dataset() != null) {
            var d = m.dataset();
            out.printf("dataset    %s%n", d.source());
            out.printf("  train    %s (%d examples, sha256 %s)%n", d.train(), d.trainSize(), abbrev(d.trainFingerprint()));
            out.printf("  targets  %s%s (%d examples, sha256 %s)%n", d.targets(),
                    d.targetSource() == null ? "" : " of " + d.targetSource(), d.targetCount(),
                    abbrev(d.targetsFingerprint()));
        }
        if (m.provenance() != null) {
            var p = m.provenance();
            out.printf("created    %s by datamodels %s%n", p.createdAt(), p.library());
            out.printf("  jdk      %s; %s%n", p.jdk(), p.os());
            out.printf("  command  %s%n", p.command());
        }
    }

    private static String abbrev(String s) {
        return s == null ? "-" : s.substring(0, Math.min(12, s.length()));
    }

    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] u = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int i = -1;
        while (v >= 1024 && i < u.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format("%.1f %s", v, u[i]);
    }
}
