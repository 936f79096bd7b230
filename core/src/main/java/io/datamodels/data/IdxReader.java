package io.datamodels.data;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.zip.ZipException;

/**
 * Reads MNIST-style IDX files (LeCun et al.; also Fashion-MNIST): an images file of unsigned bytes with magic
 * {@code 0x00000803} and dims (n, height, width), and a labels file with magic {@code 0x00000801} and dim (n), both
 * big-endian. Either file may be gzip-compressed; compression is detected by the gzip magic {@code 0x1f8b}, not by
 * the file name. Pixels become floats {@code v / 255} in {@code [0, 1]}; the sample shape is
 * {@code {1, height, width}}.
 */
final class IdxReader {
    /** Magic of an unsigned-byte 3-D IDX array (images). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic of an unsigned-byte 1-D IDX array (labels). */
    public static final int LABELS_MAGIC = 0x00000801;
    /** Classes in MNIST and Fashion-MNIST; the default label bound. */
    public static final int DEFAULT_NUM_CLASSES = 10;

    private static final float[] SCALE = new float[256];

    static {
        for (int v = 0; v < 256; v++) {
            SCALE[v] = v / 255f;
        }
    }

    private IdxReader() {
    }

    /** An IDX array as stored: its dims and its raw bytes in C order. */
    record IdxArray(int[] dims, byte[] data) {
    }

    /**
     * Returns the split of a folder holding the standard MNIST file names: {@code train-images-idx3-ubyte},
     * {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}, each
     * optionally ending in {@code .gz} (the variant {@code train-images.idx3-ubyte} is also found). Labels must be
     * below {@value #DEFAULT_NUM_CLASSES}. The dataset is named {@code DIRNAME/split}.
     *
     * @param split "train" or "test"
     */
    public static Dataset readDirectory(Path dir, String split) throws IOException {
        Inputs.requireDirectory(dir);
        String prefix = switch (split) {
            case "train" -> "train";
            case "test" -> "t10k";
            case null, default -> throw new IllegalArgumentException("split must be one of [train, test], got '"
                    + split + "'");
        };
        Path images = standardFile(dir, prefix, "images", 3);
        Path labels = standardFile(dir, prefix, "labels", 1);
        return read(images, labels, DEFAULT_NUM_CLASSES, Inputs.name(dir.toAbsolutePath().normalize()) + "/" + split);
    }

    /** Returns the path of a standard-named IDX file in {@code dir}, e.g. {@code train-images-idx3-ubyte.gz}. */
    static Path standardFile(Path dir, String prefix, String kind, int ndim) throws DataFormatException {
        String dash = prefix + "-" + kind + "-idx" + ndim + "-ubyte";
        String dot = prefix + "-" + kind + ".idx" + ndim + "-ubyte";
        for (String base : List.of(dash, dot)) {
            for (String name : List.of(base, base + ".gz")) {
                Path p = dir.resolve(name);
                if (Files.isRegularFile(p)) {
                    return p;
                }
            }
        }
        throw Inputs.missing(dir.resolve(dash) + "[.gz]");
    }

    /**
     * Returns the dataset held by an images file and a labels file, labels below {@value #DEFAULT_NUM_CLASSES},
     * named after the images file.
     */
    public static Dataset read(Path images, Path labels) throws IOException {
        return read(images, labels, DEFAULT_NUM_CLASSES, Inputs.name(images));
    }

    /**
     * Returns the dataset held by an images file and a labels file whose labels must lie in
     * {@code [0, numClasses)}.
     *
     * @throws DataFormatException naming the file and field if a magic, a size or a label is wrong, or if the two
     *     files hold different counts
     */
    public static Dataset read(Path images, Path labels, int numClasses, String name) throws IOException {
        checkNumClasses(numClasses);
        Inputs.requireFile(images);
        Inputs.requireFile(labels);
        IdxArray img;
        try (InputStream in = Inputs.open(images)) {
            img = readArray(in, Inputs.name(images), IMAGES_MAGIC);
        }
        IdxArray lab;
        try (InputStream in = Inputs.open(labels)) {
            lab = readArray(in, Inputs.name(labels), LABELS_MAGIC);
        }
        return toDataset(img, Inputs.name(images), lab, Inputs.name(labels), numClasses, name);
    }

    /**
     * As {@link #read(Path, Path, int, String)} for streams (gzip detected) with the given class names;
     * {@code imagesName} and {@code labelsName} label the messages.
     */
    static Dataset read(InputStream images, String imagesName, InputStream labels, String labelsName,
            List<String> classNames, String name) throws IOException {
        checkNumClasses(classNames.size());
        IdxArray img = readArray(Inputs.decompressIfGzip(images, imagesName), imagesName, IMAGES_MAGIC);
        IdxArray lab = readArray(Inputs.decompressIfGzip(labels, labelsName), labelsName, LABELS_MAGIC);
        return toDataset(img, imagesName, lab, labelsName, classNames.size(), name, classNames);
    }

    private static void checkNumClasses(int numClasses) {
        if (numClasses < 1 || numClasses > 256) {
            throw new IllegalArgumentException("numClasses must be in [1, 256], got " + numClasses);
        }
    }

    private static Dataset toDataset(IdxArray img, String imagesName, IdxArray lab, String labelsName,
            int numClasses, String name) throws DataFormatException {
        return toDataset(img, imagesName, lab, labelsName, numClasses, name, Dataset.defaultClassNames(numClasses));
    }

    private static Dataset toDataset(IdxArray img, String imagesName, IdxArray lab, String labelsName,
            int numClasses, String name, List<String> classNames) throws DataFormatException {
        int n = img.dims()[0];
        if (lab.dims()[0] != n) {
            throw new DataFormatException(labelsName, "count", n + " (the image count in " + imagesName + ")",
                    Integer.toString(lab.dims()[0]));
        }
        int[] labels = new int[n];
        byte[] lb = lab.data();
        for (int i = 0; i < n; i++) {
            int v = lb[i] & 0xff;
            if (v >= numClasses) {
                throw new DataFormatException(labelsName, "label[" + i + "]", "< " + numClasses, Integer.toString(v));
            }
            labels[i] = v;
        }
        int h = img.dims()[1];
        int w = img.dims()[2];
        int cols = Math.multiplyExact(h, w);
        return Dataset.wrap(name, toUnitFloats(img.data()), n, cols, new int[] {1, h, w}, labels, numClasses,
                classNames);
    }

    /** Returns {@code v / 255f} for each unsigned byte. */
    static float[] toUnitFloats(byte[] data) {
        float[] out = new float[data.length];
        for (int i = 0; i < data.length; i++) {
            out[i] = SCALE[data[i] & 0xff];
        }
        return out;
    }

    /**
     * Reads one IDX array of unsigned bytes from an (already decompressed) stream, checking the magic, that the data
     * is exactly as long as the dims say, and nothing follows it.
     */
    static IdxArray readArray(InputStream in, String source, int magic) throws IOException {
        try {
            int ndim = magic & 0xff;
            byte[] head = in.readNBytes(4 + 4 * ndim);
            if (head.length < 4) {
                throw new DataFormatException(source, "header", (4 + 4 * ndim) + " bytes", head.length + " bytes");
            }
            int got = readIntBE(head, 0);
            if (got != magic) {
                throw new DataFormatException(source, "magic", hex(magic), hex(got));
            }
            if (head.length < 4 + 4 * ndim) {
                throw new DataFormatException(source, "header", (4 + 4 * ndim) + " bytes", head.length + " bytes");
            }
            int[] dims = new int[ndim];
            long total = 1;
            for (int d = 0; d < ndim; d++) {
                dims[d] = readIntBE(head, 4 + 4 * d);
                if (dims[d] < 0) {
                    throw new DataFormatException(source, "dim[" + d + "]", ">= 0", Integer.toUnsignedString(dims[d]));
                }
                total = Math.multiplyExact(total, dims[d]);
            }
            String dimText = Arrays.stream(dims).mapToObj(Integer::toString)
                    .reduce((a, b) -> a + " x " + b).orElse("");
            if (total > Integer.MAX_VALUE - 8) {
                throw new DataFormatException(source, "data", "at most 2^31-9 bytes", total + " (" + dimText + ")");
            }
            byte[] data = in.readNBytes((int) total);
            if (data.length < total) {
                throw new DataFormatException(source, "data", total + " bytes (" + dimText + ") after the "
                        + head.length + "-byte header", data.length + " (file truncated)");
            }
            long extra = in.transferTo(OutputStream.nullOutputStream());
            if (extra > 0) {
                throw new DataFormatException(source, "data", total + " bytes (" + dimText + ") after the "
                        + head.length + "-byte header", (total + extra) + " (" + extra + " trailing bytes)");
            }
            return new IdxArray(dims, data);
        } catch (EOFException | ZipException e) {
            throw new DataFormatException(source, "gzip", "a complete gzip stream", String.valueOf(e.getMessage()));
        }
    }

    private static int readIntBE(byte[] b, int off) {
        return (b[off] & 0xff) << 24 | (b[off + 1] & 0xff) << 16 | (b[off + 2] & 0xff) << 8 | (b[off + 3] & 0xff);
    }

    private static String hex(int v) {
        return String.format(Locale.ROOT, "0x%08x", v);
    }
}
