package io.datamodels.store;

import io.datamodels.store.npy.DType;

/**
 * An output key of a store before its data is known: {@code NAME=DTYPE[DIMS]} with DIMS comma-separated numbers or
 * the placeholders {@code T} (number of targets) and {@code C} (number of classes); e.g. {@code margins=float32[T]},
 * {@code logits=float32[T,C]}, {@code train_loss=float32[]}.
 *
 * @param name  the store key
 * @param dtype its element type
 * @param dims  its row shape, each a number, "T" or "C"
 */
public record OutputKey(String name, DType dtype, String[] dims) {
    /** Parses the {@code NAME=DTYPE[DIMS]} form. */
    public static OutputKey parse(String s) {
        var m = java.util.regex.Pattern.compile("([A-Za-z0-9][A-Za-z0-9_.-]*)=([A-Za-z0-9_]+)\\[([^\\]]*)]")
                .matcher(s.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("output key: expected NAME=DTYPE[DIMS] such as margins=float32[T], got '"
                    + s + "'");
        }
        String dims = m.group(3).strip();
        String[] d = dims.isEmpty() ? new String[0] : dims.split("\\s*,\\s*");
        for (String x : d) {
            if (!x.equals("T") && !x.equals("C") && !x.matches("\\d+")) {
                throw new IllegalArgumentException("output key '" + m.group(1) + "': dims: expected numbers, T or C, got '"
                        + x + "'");
            }
        }
        return new OutputKey(m.group(1), DType.fromName(m.group(2)), d);
    }

    /** The key's row shape for {@code targets} targets of {@code classes} classes. */
    public StoreSpec.KeySpec resolve(int targets, int classes) {
        long[] shape = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            shape[i] = switch (dims[i]) {
                case "T" -> targets;
                case "C" -> classes;
                default -> Long.parseLong(dims[i]);
            };
        }
        return StoreSpec.KeySpec.of(dtype, shape);
    }
}
