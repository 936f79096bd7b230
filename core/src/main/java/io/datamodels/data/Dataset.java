package io.datamodels.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * An immutable in-memory labelled dataset: the training (or test) examples whose subsets a datamodel
 * (Ilyas et al. 2022) is fitted over.
 *
 * <p>Features are one flat row-major float array, one example per row:
 * <pre>
 *            col 0        col 1        ...  col cols-1
 *   row 0    f[0]         f[1]         ...  f[cols-1]
 *   row 1    f[cols]      f[cols+1]    ...  f[2*cols-1]
 *   ...
 *   row i    f[i*cols]    ...  f[i*cols+j]  ...
 * </pre>
 * Each row is one sample of shape {@link #sampleShape()} flattened in C order, e.g. {@code {1,28,28}} for
 * MNIST, {@code {3,32,32}} (channel planes, CHW) for CIFAR-10, {@code {d}} for tabular data. Labels are class
 * indices in {@code [0, numClasses)}.
 */
public final class Dataset {
    private static final int HASH_CHUNK = 1 << 14;

    private final String name;
    private final float[] features;
    private final int rows;
    private final int cols;
    private final int[] sampleShape;
    private final int[] labels;
    private final int numClasses;
    private final List<String> classNames;
    private volatile String fingerprint;

    /**
     * Builds a dataset from copies of the given arrays, with class names "0", "1", ...
     *
     * @throws IllegalArgumentException if the sizes disagree or a label is outside {@code [0, numClasses)}
     */
    public Dataset(String name, float[] features, int rows, int cols, int[] sampleShape, int[] labels,
            int numClasses) {
        this(features.clone(), sampleShape.clone(), labels.clone(), name, rows, cols, numClasses,
                List.copyOf(defaultClassNames(numClasses)));
    }

    /**
     * Builds a dataset from copies of the given arrays with the given class names ({@code classNames.get(k)}
     * names label {@code k}).
     *
     * @throws IllegalArgumentException if the sizes disagree or a label is outside {@code [0, numClasses)}
     */
    public Dataset(String name, float[] features, int rows, int cols, int[] sampleShape, int[] labels,
            int numClasses, List<String> classNames) {
        this(features.clone(), sampleShape.clone(), labels.clone(), name, rows, cols, numClasses,
                List.copyOf(classNames));
    }

    // Takes ownership of the arrays (argument order differs from the public constructors to keep them apart).
    private Dataset(float[] features, int[] sampleShape, int[] labels, String name, int rows, int cols,
            int numClasses, List<String> classNames) {
        if (name == null) {
            throw new IllegalArgumentException("name must not be null");
        }
        String where = "dataset '" + name + "': ";
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException(where + "rows and cols must be >= 0, got " + rows + " x " + cols);
        }
        int expected;
        try {
            expected = Math.multiplyExact(rows, cols);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(where + rows + " x " + cols + " features exceed 2^31-1 floats", e);
        }
        if (features.length != expected) {
            throw new IllegalArgumentException(where + "features: expected " + rows + " x " + cols + " = " + expected
                    + " floats, got " + features.length);
        }
        int product = 1;
        for (int d : sampleShape) {
            if (d < 0) {
                throw new IllegalArgumentException(where + "sampleShape: expected dims >= 0, got "
                        + Arrays.toString(sampleShape));
            }
            product = Math.multiplyExact(product, d);
        }
        if (product != cols) {
            throw new IllegalArgumentException(where + "sampleShape: expected a product of " + cols + " (cols), got "
                    + Arrays.toString(sampleShape));
        }
        if (labels.length != rows) {
            throw new IllegalArgumentException(where + "labels: expected " + rows + " (rows), got " + labels.length);
        }
        if (numClasses < 0) {
            throw new IllegalArgumentException(where + "numClasses must be >= 0, got " + numClasses);
        }
        for (int i = 0; i < rows; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException(where + "label[" + i + "]: expected in [0, " + numClasses
                        + "), got " + labels[i]);
            }
        }
        if (classNames.size() != numClasses) {
            throw new IllegalArgumentException(where + "classNames: expected " + numClasses + " (numClasses), got "
                    + classNames.size());
        }
        this.name = name;
        this.features = features;
        this.rows = rows;
        this.cols = cols;
        this.sampleShape = sampleShape;
        this.labels = labels;
        this.numClasses = numClasses;
        this.classNames = classNames;
    }

    /** Builds a dataset that owns the given arrays (no copies); the caller must not touch them afterwards. */
    static Dataset wrap(String name, float[] features, int rows, int cols, int[] sampleShape, int[] labels,
            int numClasses, List<String> classNames) {
        return new Dataset(features, sampleShape, labels, name, rows, cols, numClasses, List.copyOf(classNames));
    }

    /** Class names "0" .. "n-1". */
    static List<String> defaultClassNames(int numClasses) {
        List<String> names = new ArrayList<>(Math.max(numClasses, 0));
        for (int k = 0; k < numClasses; k++) {
            names.add(Integer.toString(k));
        }
        return names;
    }

    /** Returns the dataset's name, e.g. {@code fashion-mnist/train}. */
    public String name() {
        return name;
    }

    /** Returns the number of examples. */
    public int rows() {
        return rows;
    }

    /** Returns the number of features per example (the product of {@link #sampleShape()}). */
    public int cols() {
        return cols;
    }

    /** Returns the number of classes; every label is in {@code [0, numClasses)}. */
    public int numClasses() {
        return numClasses;
    }

    /** Returns a copy of the shape of one example, e.g. {@code {1,28,28}}, {@code {3,32,32}} or {@code {d}}. */
    public int[] sampleShape() {
        return sampleShape.clone();
    }

    /** Returns the class names: element {@code k} names label {@code k}. */
    public List<String> classNames() {
        return classNames;
    }

    /** Returns the label of row {@code i}. */
    public int label(int i) {
        return labels[i];
    }

    /** Returns a copy of all labels, one per row. */
    public int[] labels() {
        return labels.clone();
    }

    /** Returns feature {@code j} of row {@code i}, i.e. {@code features[i*cols+j]}. */
    public float get(int i, int j) {
        if (i < 0 || i >= rows || j < 0 || j >= cols) {
            throw new IndexOutOfBoundsException("(" + i + ", " + j + ") out of range for " + rows + " x " + cols);
        }
        return features[i * cols + j];
    }

    /** Returns a copy of row {@code i}: {@code cols} floats. */
    public float[] row(int i) {
        float[] out = new float[cols];
        copyRow(i, out, 0);
        return out;
    }

    /** Copies row {@code i} into {@code dst[offset .. offset+cols)}; modifies only {@code dst}. */
    public void copyRow(int i, float[] dst, int offset) {
        if (i < 0 || i >= rows) {
            throw new IndexOutOfBoundsException("row " + i + " out of range for " + rows + " rows");
        }
        System.arraycopy(features, i * cols, dst, offset, cols);
    }

    /** Returns a copy of all features, row-major ({@code rows*cols} floats). */
    public float[] features() {
        return features.clone();
    }

    /** Returns a read-only view of all features, row-major, position 0; no copy is made. */
    public FloatBuffer featuresView() {
        return FloatBuffer.wrap(features).asReadOnlyBuffer();
    }

    /**
     * Returns a new dataset holding the rows the selection picks, in its order; the name gets the selection
     * appended, e.g. {@code fashion-mnist/train[0:5000]}.
     *
     * @throws IllegalArgumentException naming the selection and this dataset's size if it picks a missing row
     */
    public Dataset select(Selection selection) {
        return gather(name + "[" + selection + "]", selection.indicesFor(labels));
    }

    /**
     * Returns a new dataset holding rows {@code indices[0], indices[1], ...} in that order (repeats allowed), with
     * this dataset's name.
     *
     * @throws IllegalArgumentException naming the first index outside {@code [0, rows)}
     */
    public Dataset select(int[] indices) {
        for (int k = 0; k < indices.length; k++) {
            if (indices[k] < 0 || indices[k] >= rows) {
                throw new IllegalArgumentException("dataset '" + name + "': index[" + k + "]: expected in [0, "
                        + rows + "), got " + indices[k]);
            }
        }
        return gather(name, indices);
    }

    private Dataset gather(String newName, int[] indices) {
        int n = indices.length;
        float[] f = new float[Math.multiplyExact(n, cols)];
        int[] l = new int[n];
        for (int k = 0; k < n; k++) {
            int i = indices[k];
            System.arraycopy(features, i * cols, f, k * cols, cols);
            l[k] = labels[i];
        }
        return new Dataset(f, sampleShape.clone(), l, newName, n, cols, numClasses, classNames);
    }

    /**
     * Returns the lower-case hex SHA-256 of the data, so two runs can check they use identical data. The digest
     * covers, each as little-endian int32 unless noted: the ASCII tag {@code datamodels-dataset-v1}, rows, cols,
     * numClasses, the sampleShape length and dims, every label, then every feature as its IEEE float32 bits
     * (NaNs canonicalised). The name and class names are not included.
     */
    public String fingerprint() {
        String f = fingerprint;
        if (f == null) {
            f = computeFingerprint();
            fingerprint = f;
        }
        return f;
    }

    private String computeFingerprint() {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
        sha.update("datamodels-dataset-v1".getBytes(StandardCharsets.US_ASCII));
        ByteBuffer buf = ByteBuffer.allocate(4 * HASH_CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(rows).putInt(cols).putInt(numClasses).putInt(sampleShape.length);
        for (int d : sampleShape) {
            buf.putInt(d);
        }
        flush(sha, buf);
        for (int start = 0; start < labels.length; start += HASH_CHUNK) {
            int end = Math.min(labels.length, start + HASH_CHUNK);
            for (int i = start; i < end; i++) {
                buf.putInt(labels[i]);
            }
            flush(sha, buf);
        }
        for (int start = 0; start < features.length; start += HASH_CHUNK) {
            int end = Math.min(features.length, start + HASH_CHUNK);
            for (int i = start; i < end; i++) {
                buf.putInt(Float.floatToIntBits(features[i]));
            }
            flush(sha, buf);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static void flush(MessageDigest sha, ByteBuffer buf) {
        buf.flip();
        sha.update(buf);
        buf.clear();
    }

    /** Returns e.g. {@code Dataset[fashion-mnist/train, 60000 x 784, shape [1, 28, 28], 10 classes]}. */
    @Override
    public String toString() {
        return "Dataset[" + name + ", " + rows + " x " + cols + ", shape " + Arrays.toString(sampleShape) + ", "
                + numClasses + " classes]";
    }
}
