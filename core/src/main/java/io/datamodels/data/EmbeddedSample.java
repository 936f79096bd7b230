package io.datamodels.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * The small Fashion-MNIST sample (Xiao, Rasul and Vollgraf 2017; MIT licence, (c) 2017 Zalando SE) embedded in the
 * core jar, so tests and demos run without downloads: the first {@value #DEFAULT_TRAIN} training and first
 * {@value #DEFAULT_TEST} test images with their labels, unchanged, as gzip IDX files under the class-path folder
 * {@code io/datamodels/data/sample/} with a {@value #NOTICE} stating source and licence.
 *
 * <p>The committed files are made by {@link #write} ({@code ./datamodels make-sample}); the output is
 * byte-for-byte deterministic (gzip level 9, header mtime 0).
 */
public final class EmbeddedSample {
    /** Training images in the default sample. */
    public static final int DEFAULT_TRAIN = 2000;
    /** Test images in the default sample. */
    public static final int DEFAULT_TEST = 500;
    /** Where {@code make-sample} writes by default, relative to the repository root. */
    public static final String DEFAULT_OUT_DIR = "core/src/main/resources/io/datamodels/data/sample";
    /** File name of the sample's training images. */
    public static final String TRAIN_IMAGES = "fmnist-sample-train-images.idx3-ubyte.gz";
    /** File name of the sample's training labels. */
    public static final String TRAIN_LABELS = "fmnist-sample-train-labels.idx1-ubyte.gz";
    /** File name of the sample's test images. */
    public static final String TEST_IMAGES = "fmnist-sample-test-images.idx3-ubyte.gz";
    /** File name of the sample's test labels. */
    public static final String TEST_LABELS = "fmnist-sample-test-labels.idx1-ubyte.gz";
    /** Source and licence note written next to the sample. */
    public static final String NOTICE = "NOTICE.txt";
    /** Fashion-MNIST class names, by label. */
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private static final String RESOURCE_DIR = "sample/";

    private EmbeddedSample() {
    }

    /**
     * Writes the first {@code nTrain} training and first {@code nTest} test images and labels of the Fashion-MNIST
     * folder {@code fashionMnistDir} (standard IDX names, gzip or raw) as the four sample files plus
     * {@value #NOTICE} into {@code outDir} (created if missing; existing files are replaced).
     *
     * @throws IllegalArgumentException if a count is negative or exceeds what the split holds
     */
    public static void write(Path fashionMnistDir, int nTrain, int nTest, Path outDir) throws IOException {
        if (nTrain < 0 || nTest < 0) {
            throw new IllegalArgumentException("nTrain and nTest must be >= 0, got " + nTrain + " and " + nTest);
        }
        Inputs.requireDirectory(fashionMnistDir);
        byte[][] train = slice(fashionMnistDir, "train", "nTrain", nTrain);
        byte[][] test = slice(fashionMnistDir, "t10k", "nTest", nTest);
        Files.createDirectories(outDir);
        Files.write(outDir.resolve(TRAIN_IMAGES), train[0]);
        Files.write(outDir.resolve(TRAIN_LABELS), train[1]);
        Files.write(outDir.resolve(TEST_IMAGES), test[0]);
        Files.write(outDir.resolve(TEST_LABELS), test[1]);
        Files.writeString(outDir.resolve(NOTICE), notice(nTrain, nTest), StandardCharsets.UTF_8);
    }

    // Returns the gzip IDX bytes of the first n images and labels of one split.
    private static byte[][] slice(Path dir, String prefix, String what, int n) throws IOException {
        Path imagesFile = IdxReader.standardFile(dir, prefix, "images", 3);
        Path labelsFile = IdxReader.standardFile(dir, prefix, "labels", 1);
        IdxReader.IdxArray images;
        try (InputStream in = Inputs.open(imagesFile)) {
            images = IdxReader.readArray(in, Inputs.name(imagesFile), IdxReader.IMAGES_MAGIC);
        }
        IdxReader.IdxArray labels;
        try (InputStream in = Inputs.open(labelsFile)) {
            labels = IdxReader.readArray(in, Inputs.name(labelsFile), IdxReader.LABELS_MAGIC);
        }
        int count = images.dims()[0];
        if (labels.dims()[0] != count) {
            throw new DataFormatException(Inputs.name(labelsFile), "count", count + " (the image count in "
                    + Inputs.name(imagesFile) + ")", Integer.toString(labels.dims()[0]));
        }
        if (n > count) {
            throw new IllegalArgumentException(what + " must be in [0, " + count + "], got " + n);
        }
        int[] dims = images.dims().clone();
        dims[0] = n;
        int imageBytes = Math.multiplyExact(n, Math.multiplyExact(dims[1], dims[2]));
        return new byte[][] {
            gzipIdx(IdxReader.IMAGES_MAGIC, dims, images.data(), imageBytes),
            gzipIdx(IdxReader.LABELS_MAGIC, new int[] {n}, labels.data(), n)
        };
    }

    /** Returns {@code data[0 .. length)} as a gzip-compressed IDX file (level 9, gzip header mtime 0). */
    static byte[] gzipIdx(int magic, int[] dims, byte[] data, int length) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(4 + 4 * dims.length); // big-endian, as IDX requires
        header.putInt(magic);
        for (int d : dims) {
            header.putInt(d);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(length / 2 + 64);
        try (OutputStream gz = new GZIPOutputStream(bytes, Inputs.BUFFER) {
            {
                def.setLevel(Deflater.BEST_COMPRESSION);
            }
        }) {
            gz.write(header.array());
            gz.write(data, 0, length);
        }
        return bytes.toByteArray();
    }

    static String notice(int nTrain, int nTest) {
        return """
                Embedded Fashion-MNIST sample of the datamodels toolkit
                ========================================================

                Fashion-MNIST, (c) 2017 Zalando SE, MIT licence (text below):
                the first %d training images and the first %d test images, with their labels.

                Files
                  %s  first %d images of the training split
                  %s  their labels
                  %s   first %d images of the test split
                  %s   their labels

                The images and labels are unchanged; only the IDX count field is set to the
                number kept. Files are gzip level 9 with header mtime 0, so regenerating gives
                identical bytes.

                Produced by
                  ./datamodels make-sample
                which calls io.datamodels.data.EmbeddedSample.write(<fashion-mnist dir>, %d, %d,
                %s).

                Source
                  Fashion-MNIST, Han Xiao, Kashif Rasul, Roland Vollgraf, "Fashion-MNIST: a Novel
                  Image Dataset for Benchmarking Machine Learning Algorithms", arXiv:1708.07747, 2017.
                  https://github.com/zalandoresearch/fashion-mnist

                Licence (MIT)
                  The MIT License (MIT)

                  Copyright (c) 2017 Zalando SE, https://tech.zalando.com

                  Permission is hereby granted, free of charge, to any person obtaining a copy
                  of this software and associated documentation files (the "Software"), to deal
                  in the Software without restriction, including without limitation the rights
                  to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
                  copies of the Software, and to permit persons to whom the Software is
                  furnished to do so, subject to the following conditions:

                  The above copyright notice and this permission notice shall be included in all
                  copies or substantial portions of the Software.

                  THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
                  IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
                  FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
                  AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
                  LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
                  OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
                  SOFTWARE.
                """.formatted(nTrain, nTest, TRAIN_IMAGES, nTrain, TRAIN_LABELS, TEST_IMAGES, nTest, TEST_LABELS, nTrain, nTest,
                DEFAULT_OUT_DIR);
    }

    /** Returns the embedded training sample: {@value #DEFAULT_TRAIN} rows of shape {1,28,28}, 10 classes. */
    public static Dataset loadTrain() {
        return load(TRAIN_IMAGES, TRAIN_LABELS, "fmnist-sample/train");
    }

    /** Returns the embedded test sample: {@value #DEFAULT_TEST} rows of shape {1,28,28}, 10 classes. */
    public static Dataset loadTest() {
        return load(TEST_IMAGES, TEST_LABELS, "fmnist-sample/test");
    }

    private static Dataset load(String imagesName, String labelsName, String name) {
        try (InputStream images = resource(imagesName); InputStream labels = resource(labelsName)) {
            return IdxReader.read(images, imagesName, labels, labelsName, CLASS_NAMES, name);
        } catch (IOException e) {
            throw new UncheckedIOException("embedded sample " + name + ": " + e.getMessage(), e);
        }
    }

    private static InputStream resource(String fileName) {
        InputStream in = EmbeddedSample.class.getResourceAsStream(RESOURCE_DIR + fileName);
        if (in == null) {
            throw new IllegalStateException("embedded sample: class-path resource io/datamodels/data/" + RESOURCE_DIR
                    + fileName + " is missing; run ./datamodels make-sample");
        }
        return in;
    }
}
