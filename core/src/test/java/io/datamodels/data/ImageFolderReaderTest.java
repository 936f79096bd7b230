package io.datamodels.data;

import io.datamodels.testing.NoStdout;
import io.datamodels.testing.SharedData;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(NoStdout.class)
class ImageFolderReaderTest {
    private static final int PER_CLASS = 15;

    @TempDir
    Path tmp;

    /** Extracts the first PER_CLASS training JPEGs of airplane and cat from the CIFAR-10 JPEG tarball. */
    private Path extractCifarJpegs() throws IOException, InterruptedException {
        Path tarball = SharedData.require("cifar10-jpeg").resolve("CIFAR-10-images-YoongiKim-6d04f75.tar.gz");
        List<String> cmd = new ArrayList<>(List.of("tar", "-xzf", tarball.toString(), "-C", tmp.toString()));
        for (String cls : List.of("airplane", "cat")) {
            for (int i = 0; i < PER_CLASS; i++) {
                cmd.add("CIFAR-10-images/train/%s/%04d.jpg".formatted(cls, i));
            }
        }
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            assumeTrue(false, "system tar not available: " + e.getMessage());
            throw e;
        }
        assertEquals(0, p.waitFor(), "tar exit code");
        return tmp.resolve("CIFAR-10-images/train");
    }

    private static double meanAbsDiff(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += Math.abs(a[i] - b[i]);
        }
        return s / a.length;
    }

    @Test
    void readsCifarJpegsFromTwoClasses() throws Exception {
        Dataset d = ImageFolderReader.read(extractCifarJpegs());
        assertEquals(2 * PER_CLASS, d.rows());
        assertArrayEquals(new int[] {3, 32, 32}, d.sampleShape());
        assertEquals(List.of("airplane", "cat"), d.classNames());
        assertEquals("train", d.name());
        for (int i = 0; i < d.rows(); i++) {
            assertEquals(i < PER_CLASS ? 0 : 1, d.label(i));
        }
        // The N-th JPEG of a class is that class's N-th image in the official order (README): each of the first few
        // must be nearest, among the 258 official records, to that record, and within JPEG q75 error of it.
        Dataset official = Cifar10Reader.read(SharedData.require("cifar10-official-prefix")
                .resolve("data_batch_1.first258.bin"));
        int[][] firstOfficial = {{29, 30, 35}, {9, 17, 21}}; // airplane (label 0), cat (label 3) in data_batch_1
        for (int c = 0; c < 2; c++) {
            for (int n = 0; n < 3; n++) {
                int expected = firstOfficial[c][n];
                assertEquals(c == 0 ? 0 : 3, official.label(expected));
                float[] jpeg = d.row(c * PER_CLASS + n);
                int best = -1;
                double bestDiff = Double.MAX_VALUE;
                for (int r = 0; r < official.rows(); r++) {
                    double diff = meanAbsDiff(jpeg, official.row(r));
                    if (diff < bestDiff) {
                        bestDiff = diff;
                        best = r;
                    }
                }
                assertEquals(expected, best, "class " + c + " image " + n);
                assertTrue(bestDiff < 0.05, "mean abs diff " + bestDiff);
            }
        }
    }

    private static BufferedImage grey(int w, int h, int seed) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.getRaster().setSample(x, y, 0, (seed * 31 + y * w + x * 7) & 0xff);
            }
        }
        return img;
    }

    private static BufferedImage colour(int w, int h, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rng.nextInt(1 << 24));
            }
        }
        return img;
    }

    private Path png(Path root, String rel, BufferedImage img) throws IOException {
        Path f = root.resolve(rel);
        Files.createDirectories(f.getParent());
        assertTrue(ImageIO.write(img, "png", f.toFile()));
        return f;
    }

    @Test
    void greyPngsGiveOneChannel() throws IOException {
        Path root = tmp.resolve("grey");
        png(root, "b/10.png", grey(4, 3, 1));
        png(root, "b/2.png", grey(4, 3, 2));
        png(root, "a/x.PNG", grey(4, 3, 3));
        Files.writeString(root.resolve("a/readme.txt"), "not an image");
        Files.writeString(root.resolve("a/.hidden.png"), "skipped");
        Files.createDirectories(root.resolve(".git"));
        Dataset d = ImageFolderReader.read(root);
        assertEquals(3, d.rows());
        assertArrayEquals(new int[] {1, 3, 4}, d.sampleShape());
        assertEquals(List.of("a", "b"), d.classNames());
        assertArrayEquals(new int[] {0, 1, 1}, d.labels());
        // Within a class, plain string order: "10.png" before "2.png".
        int[] expected = {3, 1, 2};
        for (int r = 0; r < 3; r++) {
            BufferedImage img = grey(4, 3, expected[r]);
            for (int y = 0; y < 3; y++) {
                for (int x = 0; x < 4; x++) {
                    assertEquals(img.getRaster().getSample(x, y, 0) / 255f, d.get(r, y * 4 + x));
                }
            }
        }
    }

    @Test
    void colourPngsGiveChwPlanes() throws IOException {
        Path root = tmp.resolve("colour");
        png(root, "cls/0.png", colour(5, 2, 11));
        png(root, "cls/1.png", grey(5, 2, 4));
        Dataset d = ImageFolderReader.read(root);
        assertArrayEquals(new int[] {3, 2, 5}, d.sampleShape());
        BufferedImage img = colour(5, 2, 11);
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 5; x++) {
                int rgb = img.getRGB(x, y);
                int p = y * 5 + x;
                assertEquals(((rgb >> 16) & 0xff) / 255f, d.get(0, p));
                assertEquals(((rgb >> 8) & 0xff) / 255f, d.get(0, 10 + p));
                assertEquals((rgb & 0xff) / 255f, d.get(0, 20 + p));
            }
        }
        // A grey image among colour ones is repeated in all three planes.
        BufferedImage g = grey(5, 2, 4);
        for (int p = 0; p < 10; p++) {
            float v = g.getRaster().getSample(p % 5, p / 5, 0) / 255f;
            assertEquals(v, d.get(1, p));
            assertEquals(v, d.get(1, 10 + p));
            assertEquals(v, d.get(1, 20 + p));
        }
    }

    @Test
    void mixedSizes() throws IOException {
        Path root = tmp.resolve("mixed");
        png(root, "a/0.png", grey(4, 3, 1));
        png(root, "b/0.png", grey(4, 3, 1));
        png(root, "b/1.png", grey(5, 3, 1));
        var e = assertThrows(DataFormatException.class, () -> ImageFolderReader.read(root));
        assertEquals("b/1.png: size: expected 4x3 (as a/0.png), got 5x3", e.getMessage());
    }

    @Test
    void undecodableImage() throws IOException {
        Path root = tmp.resolve("junk");
        png(root, "a/0.png", grey(4, 3, 1));
        Files.writeString(root.resolve("a/1.jpg"), "this is text, not a JPEG");
        var e = assertThrows(DataFormatException.class, () -> ImageFolderReader.read(root));
        assertTrue(e.getMessage().startsWith("a/1.jpg: format: expected a JPEG or PNG image, got "), e.getMessage());
    }

    @Test
    void emptyLayouts() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("empty"));
        var e = assertThrows(DataFormatException.class, () -> ImageFolderReader.read(root));
        assertEquals(root + ": classes: expected at least one class sub-folder, got none", e.getMessage());
        png(root, "a/0.png", grey(2, 2, 1));
        Files.createDirectories(root.resolve("b"));
        Files.writeString(root.resolve("b/notes.txt"), "x");
        e = assertThrows(DataFormatException.class, () -> ImageFolderReader.read(root));
        assertEquals("b: images: expected at least one .jpg, .jpeg or .png file, got none", e.getMessage());
    }

    @Test
    void missingRoot() {
        Path root = tmp.resolve("no-such-folder");
        var e = assertThrows(DataFormatException.class, () -> ImageFolderReader.read(root));
        assertEquals(root + ": does not exist", e.getMessage());
    }
}
