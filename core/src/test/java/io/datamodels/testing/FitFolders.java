package io.datamodels.testing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datamodels.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Compares two fit folders: the same files, every .npy byte for byte, fit.json equal but for time and provenance. */
public final class FitFolders {
    private FitFolders() {
    }

    public static void assertSameFit(Path expected, Path actual) throws IOException {
        List<String> names = names(expected);
        assertEquals(names, names(actual), "files of the fit folder");
        for (String f : names) {
            if (f.endsWith(".npy")) {
                assertArrayEquals(Files.readAllBytes(expected.resolve(f)), Files.readAllBytes(actual.resolve(f)), f);
            }
        }
        ObjectNode a = (ObjectNode) Json.parseTree("fit.json", Files.readString(expected.resolve("fit.json")));
        ObjectNode b = (ObjectNode) Json.parseTree("fit.json", Files.readString(actual.resolve("fit.json")));
        for (ObjectNode o : List.of(a, b)) {
            o.remove("seconds");
            o.remove("provenance");
        }
        assertEquals(a, b, "fit.json but for seconds and provenance");
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
