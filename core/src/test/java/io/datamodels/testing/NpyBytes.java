package io.datamodels.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Hand-made {@code .npy} files for tests: any version bytes, any header dict text, any data bytes, so a test can
 * build exactly the malformed or unusual file it needs.
 *
 * <p>Layout: {@code \x93NUMPY}, major, minor, header length (2 bytes little endian for major 1, else 4), the dict
 * padded with spaces and a newline to a multiple of 64 bytes, then the data.
 */
public final class NpyBytes {
    private NpyBytes() {
    }

    /** The dict numpy writes for {@code descr}, {@code fortranOrder} and the shape text, e.g. {@code "(3, 5)"}. */
    public static String dict(String descr, boolean fortranOrder, String shape) {
        return "{'descr': '" + descr + "', 'fortran_order': " + (fortranOrder ? "True" : "False") + ", 'shape': "
                + shape + ", }";
    }

    /** A whole file: prefix for {@code major.minor}, {@code dict} padded to 64 bytes, then {@code data}. */
    public static byte[] build(int major, int minor, String dict, byte[] data) {
        byte[] d = dict.getBytes(major >= 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        int prefix = major == 1 ? 10 : 12;
        int total = (prefix + d.length + 1 + 63) / 64 * 64;
        int headerLen = total - prefix;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, (byte) minor});
        out.write(headerLen & 0xFF);
        out.write((headerLen >>> 8) & 0xFF);
        if (major != 1) {
            out.write((headerLen >>> 16) & 0xFF);
            out.write((headerLen >>> 24) & 0xFF);
        }
        out.writeBytes(d);
        for (int i = prefix + d.length; i < total - 1; i++) {
            out.write(' ');
        }
        out.write('\n');
        out.writeBytes(data);
        return out.toByteArray();
    }

    /** Writes {@link #build} to {@code file} and returns it. */
    public static Path write(Path file, int major, int minor, String dict, byte[] data) throws IOException {
        Files.write(file, build(major, minor, dict, data));
        return file;
    }
}
