package io.datamodels.data;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Where a dataset comes from, so a run can record it (e.g. in {@code store.json}) and load it again.
 *
 * <p>Compact string form ({@link #parse}, {@link #toCompactString}), as the command line takes it:
 * <pre>
 *   idx:DIR[#split=test]          MNIST-style IDX folder (IdxReader), split train (default) or test
 *   cifar10:FILE[,FILE...]        CIFAR-10 binary batches (Cifar10Reader)
 *   folder:DIR                    one sub-folder per class (ImageFolderReader)
 *   csv:FILE[#label=COL][,header=true|false]   CSV table (CsvReader); COL is a name or an index
 *   embedded[#split=test]         the embedded Fashion-MNIST sample (EmbeddedSample)
 * </pre>
 * Options follow the last {@code #}, comma-separated. JSON form:
 * {@code {"format":"CSV","path":"iris.csv","labelColumn":"4","hasHeader":true}}, null fields left out.
 *
 * @param format the file format
 * @param path the folder or file; for {@code CIFAR10_BIN} one or more files separated by ','; null for
 *     {@code EMBEDDED}
 * @param split "train" or "test" for {@code IDX} and {@code EMBEDDED} (null becomes "train"); null otherwise
 * @param labelColumn {@code CSV} only: label column name or index, null for the last column
 * @param hasHeader {@code CSV} only: whether the first line is a header, null to detect it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DatasetSpec(
        @JsonProperty("format") Format format,
        @JsonProperty("path") String path,
        @JsonProperty("split") String split,
        @JsonProperty("labelColumn") String labelColumn,
        @JsonProperty("hasHeader") Boolean hasHeader) {

    /** The file formats a dataset can be read from. */
    public enum Format {
        /** MNIST-style IDX images + labels folder. */
        IDX("idx"),
        /** CIFAR-10 binary batches. */
        CIFAR10_BIN("cifar10"),
        /** Image folder, one sub-folder per class. */
        IMAGE_FOLDER("folder"),
        /** CSV table. */
        CSV("csv"),
        /** The embedded Fashion-MNIST sample. */
        EMBEDDED("embedded");

        private final String key;

        Format(String key) {
            this.key = key;
        }

        /** Returns the prefix of the compact string form, e.g. {@code idx}. */
        public String key() {
            return key;
        }

        /**
         * Returns the format named by its constant name or its compact key, ignoring case.
         *
         * @throws IllegalArgumentException "format must be one of [...], got 'x'"
         */
        @JsonCreator
        public static Format parse(String s) {
            if (s != null) {
                for (Format f : values()) {
                    if (f.name().equalsIgnoreCase(s.strip()) || f.key.equalsIgnoreCase(s.strip())) {
                        return f;
                    }
                }
            }
            throw new IllegalArgumentException("format must be one of " + Arrays.toString(values()) + " (or "
                    + Arrays.stream(values()).map(Format::key).toList() + "), got "
                    + (s == null ? "null" : "'" + s + "'"));
        }
    }

    /** Validates the fields against the format; a null split becomes "train" for IDX and EMBEDDED. */
    @JsonCreator
    public DatasetSpec {
        if (format == null) {
            throw new IllegalArgumentException("format must be one of " + Arrays.toString(Format.values())
                    + ", got null");
        }
        if (format == Format.EMBEDDED) {
            if (path != null) {
                throw new IllegalArgumentException("path must be null for format EMBEDDED, got '" + path + "'");
            }
        } else if (path == null || path.isBlank()) {
            throw new IllegalArgumentException("path must be given for format " + format + ", got "
                    + (path == null ? "null" : "'" + path + "'"));
        }
        if (format == Format.IDX || format == Format.EMBEDDED) {
            if (split == null) {
                split = "train";
            }
            if (!split.equals("train") && !split.equals("test")) {
                throw new IllegalArgumentException("split must be one of [train, test], got '" + split + "'");
            }
        } else if (split != null) {
            throw new IllegalArgumentException("split applies only to formats IDX and EMBEDDED, got '" + split
                    + "' for format " + format);
        }
        if (format != Format.CSV && (labelColumn != null || hasHeader != null)) {
            throw new IllegalArgumentException("labelColumn and hasHeader apply only to format CSV, got "
                    + (labelColumn != null ? "labelColumn '" + labelColumn + "'" : "hasHeader " + hasHeader)
                    + " for format " + format);
        }
        if (labelColumn != null && labelColumn.isBlank()) {
            throw new IllegalArgumentException("labelColumn must be a column name or index, got '" + labelColumn
                    + "'");
        }
    }

    /** Returns the spec of the split of an MNIST-style IDX folder. */
    public static DatasetSpec idx(String dir, String split) {
        return new DatasetSpec(Format.IDX, dir, split, null, null);
    }

    /** Returns the spec of one or more CIFAR-10 binary batch files, concatenated in order. */
    public static DatasetSpec cifar10(String... files) {
        return new DatasetSpec(Format.CIFAR10_BIN, String.join(",", files), null, null, null);
    }

    /** Returns the spec of an image folder with one sub-folder per class. */
    public static DatasetSpec folder(String dir) {
        return new DatasetSpec(Format.IMAGE_FOLDER, dir, null, null, null);
    }

    /** Returns the spec of a CSV file; {@code labelColumn} and {@code hasHeader} may be null (last, detect). */
    public static DatasetSpec csv(String file, String labelColumn, Boolean hasHeader) {
        return new DatasetSpec(Format.CSV, file, null, labelColumn, hasHeader);
    }

    /** Returns the spec of a split of the embedded Fashion-MNIST sample. */
    public static DatasetSpec embedded(String split) {
        return new DatasetSpec(Format.EMBEDDED, null, split, null, null);
    }

    /**
     * Returns the spec a compact string describes (see the class comment).
     *
     * @throws IllegalArgumentException naming the string and what was expected
     */
    public static DatasetSpec parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException(usage(spec));
        }
        String s = spec.strip();
        String body = s;
        String options = null;
        int hash = s.lastIndexOf('#');
        if (hash >= 0 && s.indexOf('=', hash) > hash) {
            body = s.substring(0, hash);
            options = s.substring(hash + 1);
        }
        int colon = body.indexOf(':');
        String key = colon < 0 ? body : body.substring(0, colon);
        String path = colon < 0 ? null : body.substring(colon + 1);
        Format format;
        try {
            format = Format.parse(key);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(usage(spec));
        }
        if (format != Format.EMBEDDED && (path == null || path.isBlank())) {
            throw new IllegalArgumentException(usage(spec));
        }
        if (format == Format.EMBEDDED && path != null) {
            throw new IllegalArgumentException(usage(spec));
        }
        String split = null;
        String label = null;
        Boolean header = null;
        if (options != null) {
            for (String opt : options.split(",")) {
                int eq = opt.indexOf('=');
                String k = eq < 0 ? opt.strip() : opt.substring(0, eq).strip();
                String v = eq < 0 ? "" : opt.substring(eq + 1).strip();
                List<String> allowed = switch (format) {
                    case IDX, EMBEDDED -> List.of("split");
                    case CSV -> List.of("label", "header");
                    default -> List.of();
                };
                if (!allowed.contains(k)) {
                    throw new IllegalArgumentException("dataset '" + spec + "': option: expected one of " + allowed
                            + " for " + format.key() + ", got '" + k + "'");
                }
                switch (k) {
                    case "split" -> split = v;
                    case "label" -> label = v;
                    default -> {
                        if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
                            throw new IllegalArgumentException("dataset '" + spec + "': header: expected true or false,"
                                    + " got '" + v + "'");
                        }
                        header = Boolean.valueOf(v.toLowerCase(Locale.ROOT));
                    }
                }
            }
        }
        return new DatasetSpec(format, path == null ? null : path.strip(), split, label, header);
    }

    private static String usage(String spec) {
        return "dataset: expected idx:DIR[#split=test], cifar10:FILE[,FILE...], folder:DIR, "
                + "csv:FILE[#label=COL][,header=true|false] or embedded[#split=test], got "
                + (spec == null ? "null" : "'" + spec + "'");
    }

    /** Returns the compact string form; {@link #parse} of it gives an equal spec. */
    public String toCompactString() {
        StringBuilder b = new StringBuilder(format.key());
        if (path != null) {
            b.append(':').append(path);
        }
        List<String> opts = new ArrayList<>();
        if (format == Format.IDX || format == Format.EMBEDDED) {
            opts.add("split=" + split);
        }
        if (labelColumn != null) {
            opts.add("label=" + labelColumn);
        }
        if (hasHeader != null) {
            opts.add("header=" + hasHeader);
        }
        if (!opts.isEmpty()) {
            b.append('#').append(String.join(",", opts));
        }
        return b.toString();
    }

    /** Returns the paths named by {@link #path()} (several for CIFAR10_BIN), empty for EMBEDDED. */
    public List<Path> paths() {
        if (path == null) {
            return List.of();
        }
        if (format != Format.CIFAR10_BIN) {
            return List.of(Path.of(path));
        }
        List<Path> out = new ArrayList<>();
        for (String p : path.split(",")) {
            if (!p.isBlank()) {
                out.add(Path.of(p.strip()));
            }
        }
        return out;
    }

    /**
     * Returns the dataset this spec describes, read now; relative paths resolve against the working directory.
     *
     * @throws IOException if a file is missing or malformed (a {@link DataFormatException} names file and field)
     */
    public Dataset load() throws IOException {
        return switch (format) {
            case IDX -> IdxReader.readDirectory(Path.of(path), split);
            case CIFAR10_BIN -> Cifar10Reader.read(paths());
            case IMAGE_FOLDER -> ImageFolderReader.read(Path.of(path));
            case CSV -> CsvReader.read(Path.of(path), new CsvReader.Options(labelColumn, hasHeader));
            case EMBEDDED -> split.equals("test") ? EmbeddedSample.loadTest() : EmbeddedSample.loadTrain();
        };
    }
}
