package io.datamodels.data;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipException;

/**
 * Reads CIFAR-10 binary batches ({@code data_batch_1.bin} ... {@code test_batch.bin}, Krizhevsky 2009): records of
 * 3073 bytes, one label byte in {@code [0, 10)} followed by 3072 pixel bytes as three 32x32 planes R, G, B. Features
 * keep that CHW order, scaled to {@code [0, 1]}; the sample shape is {@code {3, 32, 32}}. A gzip-compressed batch
 * is detected by its magic and decompressed.
 */
final class Cifar10Reader {
    /** Bytes per record: 1 label + 3 x 32 x 32 pixels. */
    public static final int RECORD_BYTES = 3073;
    /** Pixels per record. */
    public static final int PIXELS = 3072;
    /** Number of classes. */
    public static final int NUM_CLASSES = 10;
    /** The class names, by label, from the dataset's {@code batches.meta.txt}. */
    public static final List<String> CLASS_NAMES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog",
            "frog", "horse", "ship", "truck");

    private Cifar10Reader() {
    }

    /** Returns the records of the given batch files, concatenated in argument order. */
    public static Dataset read(Path... files) throws IOException {
        return read(List.of(files));
    }

    /**
     * Returns the records of the given batch files, concatenated in list order, named after the files.
     *
     * @throws DataFormatException if a file's size is not a multiple of 3073 bytes or a label is 10 or more
     */
    public static Dataset read(List<Path> files) throws IOException {
        if (files.isEmpty()) {
            throw new IllegalArgumentException("CIFAR-10: expected at least one batch file, got none");
        }
        List<byte[]> contents = new ArrayList<>(files.size());
        long total = 0;
        for (Path f : files) {
            byte[] bytes;
            try (InputStream in = Inputs.open(f)) {
                bytes = in.readAllBytes();
            } catch (EOFException | ZipException e) {
                throw new DataFormatException(f, "gzip", "a complete gzip stream", String.valueOf(e.getMessage()));
            }
            if (bytes.length % RECORD_BYTES != 0) {
                throw new DataFormatException(f, "size", "a multiple of " + RECORD_BYTES + " bytes",
                        Integer.toString(bytes.length));
            }
            int n = bytes.length / RECORD_BYTES;
            for (int r = 0; r < n; r++) {
                int label = bytes[r * RECORD_BYTES] & 0xff;
                if (label >= NUM_CLASSES) {
                    throw new DataFormatException(f, "label of record " + r, "< " + NUM_CLASSES,
                            Integer.toString(label));
                }
            }
            contents.add(bytes);
            total += n;
        }
        if (total * PIXELS > Integer.MAX_VALUE - 8) {
            throw new DataFormatException(Inputs.name(files.getFirst()), "records", "at most "
                    + (Integer.MAX_VALUE - 8) / PIXELS + " in all", Long.toString(total));
        }
        int rows = (int) total;
        float[] features = new float[rows * PIXELS];
        int[] labels = new int[rows];
        int row = 0;
        for (byte[] bytes : contents) {
            row = decode(bytes, features, labels, row);
        }
        StringBuilder name = new StringBuilder();
        for (Path f : files) {
            name.append(name.isEmpty() ? "" : "+").append(Inputs.name(f));
        }
        return Dataset.wrap(name.toString(), features, rows, PIXELS, new int[] {3, 32, 32}, labels, NUM_CLASSES,
                CLASS_NAMES);
    }

    // Kernel: writes the records of one file into rows firstRow.. of features/labels; returns the next free row.
    static int decode(byte[] bytes, float[] features, int[] labels, int firstRow) {
        int n = bytes.length / RECORD_BYTES;
        for (int r = 0; r < n; r++) {
            int src = r * RECORD_BYTES;
            int dst = (firstRow + r) * PIXELS;
            labels[firstRow + r] = bytes[src] & 0xff;
            for (int p = 0; p < PIXELS; p++) {
                features[dst + p] = (bytes[src + 1 + p] & 0xff) / 255f;
            }
        }
        return firstRow + n;
    }
}
