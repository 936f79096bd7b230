package io.datamodels.data;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Reads a folder of images laid out one sub-folder per class, {@code root/<class-name>/*.{jpg,jpeg,png}} (the
 * torchvision {@code ImageFolder} layout).
 *
 * <p>Order is deterministic: class folders sorted by name give labels 0, 1, ...; within a class, files are sorted by
 * file name (plain string order, so {@code 10.png} comes before {@code 2.png}: zero-pad numbered names). Rows are
 * class 0's files, then class 1's, and so on. Hidden entries (names starting with '.') and other file types are
 * skipped. All images must share one width and height. If every image is grey the sample shape is
 * {@code {1, h, w}}; otherwise it is {@code {3, h, w}} with R, G, B planes (CHW) and grey images repeated in all three.
 * Values are 8-bit samples divided by 255 (images with more bits per sample are rounded to 8 first); alpha is
 * dropped.
 */
final class ImageFolderReader {
    private ImageFolderReader() {
    }

    // One decoded image: its size, 1 or 3 channels, and its 8-bit samples as channel planes.
    private record Decoded(int width, int height, int channels, byte[] pixels) {
    }

    /**
     * Returns the images under {@code root} with labels from their class folder, named after the root folder.
     *
     * @throws DataFormatException naming the file if an image cannot be decoded or its size differs from the first
     *     image's, or naming the root if it has no class folders or a class folder has no images
     */
    public static Dataset read(Path root) throws IOException {
        Inputs.requireDirectory(root);
        List<Path> classDirs = sortedChildren(root, true);
        if (classDirs.isEmpty()) {
            throw new DataFormatException(root.toString(), "classes", "at least one class sub-folder", "none");
        }
        List<String> classNames = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<Integer> fileLabels = new ArrayList<>();
        for (int c = 0; c < classDirs.size(); c++) {
            Path dir = classDirs.get(c);
            List<Path> images = sortedChildren(dir, false).stream().filter(ImageFolderReader::isImageName).toList();
            if (images.isEmpty()) {
                throw new DataFormatException(relative(root, dir), "images", "at least one .jpg, .jpeg or .png file",
                        "none");
            }
            classNames.add(Inputs.name(dir));
            for (Path f : images) {
                files.add(f);
                fileLabels.add(c);
            }
        }
        int n = files.size();
        Object[] decoded = new Object[n];
        IntStream.range(0, n).parallel().forEach(k -> decoded[k] = decodeOrError(root, files.get(k)));

        Decoded first = null;
        boolean colour = false;
        for (int k = 0; k < n; k++) {
            if (decoded[k] instanceof IOException e) {
                throw e;
            }
            Decoded d = (Decoded) decoded[k];
            if (first == null) {
                first = d;
            } else if (d.width() != first.width() || d.height() != first.height()) {
                throw new DataFormatException(relative(root, files.get(k)), "size", first.width() + "x"
                        + first.height() + " (as " + relative(root, files.getFirst()) + ")", d.width() + "x"
                        + d.height());
            }
            colour |= d.channels() == 3;
        }
        int h = first.height();
        int w = first.width();
        int channels = colour ? 3 : 1;
        int plane = Math.multiplyExact(h, w);
        int cols = Math.multiplyExact(channels, plane);
        float[] features = new float[Math.multiplyExact(n, cols)];
        int[] labels = new int[n];
        for (int k = 0; k < n; k++) {
            Decoded d = (Decoded) decoded[k];
            decoded[k] = null;
            labels[k] = fileLabels.get(k);
            int base = k * cols;
            for (int c = 0; c < channels; c++) {
                int src = d.channels() == 1 ? 0 : c * plane;
                byte[] px = d.pixels();
                for (int p = 0; p < plane; p++) {
                    features[base + c * plane + p] = (px[src + p] & 0xff) / 255f;
                }
            }
        }
        return Dataset.wrap(Inputs.name(root.toAbsolutePath().normalize()), features, n, cols,
                new int[] {channels, h, w}, labels, classNames.size(), classNames);
    }

    private static List<Path> sortedChildren(Path dir, boolean directories) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !Inputs.name(p).startsWith("."))
                    .filter(p -> directories ? Files.isDirectory(p) : Files.isRegularFile(p))
                    .sorted((a, b) -> Inputs.name(a).compareTo(Inputs.name(b)))
                    .toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static boolean isImageName(Path p) {
        String n = Inputs.name(p).toLowerCase(Locale.ROOT);
        return n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png");
    }

    private static String relative(Path root, Path p) {
        return root.relativize(p).toString().replace('\\', '/');
    }

    // Returns a Decoded, or the IOException describing why the file could not be decoded.
    private static Object decodeOrError(Path root, Path file) {
        try {
            BufferedImage img = ImageIO.read(file.toFile());
            if (img == null) {
                return new DataFormatException(relative(root, file), "format", "a JPEG or PNG image",
                        "data no image reader recognises");
            }
            return decode(img);
        } catch (IOException | RuntimeException e) {
            return new DataFormatException(relative(root, file), "format", "a decodable JPEG or PNG image",
                    e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private static Decoded decode(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        int plane = Math.multiplyExact(w, h);
        if (img.getColorModel().getNumColorComponents() == 1) {
            // Raw samples: getRGB would push grey through a gamma conversion.
            Raster r = img.getRaster();
            int bits = r.getSampleModel().getSampleSize(0);
            int[] s = r.getSamples(0, 0, w, h, 0, (int[]) null);
            byte[] px = new byte[plane];
            long max = (1L << bits) - 1;
            for (int p = 0; p < plane; p++) {
                px[p] = (byte) (bits == 8 ? s[p] : Math.round(s[p] * 255.0 / max));
            }
            return new Decoded(w, h, 1, px);
        }
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        byte[] px = new byte[3 * plane];
        for (int p = 0; p < plane; p++) {
            int v = argb[p];
            px[p] = (byte) (v >>> 16);
            px[plane + p] = (byte) (v >>> 8);
            px[2 * plane + p] = (byte) v;
        }
        return new Decoded(w, h, 3, px);
    }
}
