package io.datamodels.report;

import io.datamodels.data.DataFormatException;
import io.datamodels.data.Dataset;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;

/**
 * Examples of a dataset as inline PNG images ({@code data:image/png;base64,...}). A row is a sample of shape
 * {@code (C, H, W)} (C = 1 or 3, channel planes) or {@code (H, W)}, stored flat in C order; its values map linearly
 * from the range {@code [lo, hi]} shared by the whole picture set to 0..255, so brightness compares across images.
 */
final class Pictures {
    private final int channels;
    private final int height;
    private final int width;
    private final float lo;
    private final float hi;

    private Pictures(int channels, int height, int width, float lo, float hi) {
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.lo = lo;
        this.hi = hi;
    }

    /** Whether rows of {@code d} are images ({@code (C, H, W)} with C in {1, 3}, or {@code (H, W)}). */
    static boolean isImage(Dataset d) {
        int[] s = d.sampleShape();
        return (s.length == 3 && (s[0] == 1 || s[0] == 3) && s[1] > 0 && s[2] > 0)
                || (s.length == 2 && s[0] > 0 && s[1] > 0);
    }

    /**
     * The pictures of {@code train} and {@code targets}, with one value range over both.
     *
     * @throws DataFormatException if a dataset's rows are not images (a tabular source)
     */
    static Pictures of(Dataset train, Dataset targets) throws DataFormatException {
        for (Dataset d : new Dataset[]{train, targets}) {
            if (!isImage(d)) {
                throw new DataFormatException(d.name(), "images: expected image samples of shape (C, H, W) or (H, W), "
                        + "got shape " + Arrays.toString(d.sampleShape()) + " (a tabular source has no images; use "
                        + "the feature rows)");
            }
        }
        if (!Arrays.equals(train.sampleShape(), targets.sampleShape())) {
            throw new DataFormatException(targets.name(), "images: expected the training images' shape "
                    + Arrays.toString(train.sampleShape()) + ", got " + Arrays.toString(targets.sampleShape()));
        }
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (Dataset d : new Dataset[]{train, targets}) {
            for (float v : d.features()) {
                if (Float.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        int[] s = train.sampleShape();
        return s.length == 3 ? new Pictures(s[0], s[1], s[2], lo, hi) : new Pictures(1, s[0], s[1], lo, hi);
    }

    /** Row {@code i} of {@code d} as a PNG data URI. */
    String dataUri(Dataset d, int i) {
        float[] row = d.row(i);
        int plane = height * width;
        BufferedImage img = new BufferedImage(width, height,
                channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int p = y * width + x;
                if (channels == 1) {
                    int v = level(row[p]);
                    img.getRaster().setSample(x, y, 0, v);
                } else {
                    int rgb = level(row[p]) << 16 | level(row[plane + p]) << 8 | level(row[2 * plane + p]);
                    img.setRGB(x, y, rgb);
                }
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new IllegalStateException("PNG encoding failed", e);
        }
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(out.toByteArray());
    }

    private int level(float v) {
        if (!(hi > lo) || !Float.isFinite(v)) {
            return 128;
        }
        return Math.clamp(Math.round((v - lo) / (hi - lo) * 255f), 0, 255);
    }
}
