package io.datamodels.data;

import io.datamodels.testing.NoStdout;
import io.datamodels.testing.SharedData;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(NoStdout.class)
class DatasetSpecTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void parsesCompactForms() {
        assertEquals(DatasetSpec.idx("data/fmnist", "train"), DatasetSpec.parse("idx:data/fmnist"));
        assertEquals(DatasetSpec.idx("data/fmnist", "test"), DatasetSpec.parse("idx:data/fmnist#split=test"));
        assertEquals(DatasetSpec.cifar10("a.bin", "b.bin"), DatasetSpec.parse("cifar10:a.bin,b.bin"));
        assertEquals(List.of(Path.of("a.bin"), Path.of("b.bin")), DatasetSpec.parse("cifar10:a.bin,b.bin").paths());
        assertEquals(DatasetSpec.folder("imgs/train"), DatasetSpec.parse("folder:imgs/train"));
        assertEquals(DatasetSpec.csv("iris.csv", null, null), DatasetSpec.parse("csv:iris.csv"));
        assertEquals(DatasetSpec.csv("iris.csv", "species", null), DatasetSpec.parse("csv:iris.csv#label=species"));
        assertEquals(DatasetSpec.csv("l.data", "0", false), DatasetSpec.parse("csv:l.data#label=0,header=false"));
        assertEquals(DatasetSpec.embedded("train"), DatasetSpec.parse("embedded"));
        assertEquals(DatasetSpec.embedded("test"), DatasetSpec.parse("embedded#split=test"));
        assertEquals(DatasetSpec.Format.IMAGE_FOLDER, DatasetSpec.Format.parse("image_folder"));
        assertEquals(DatasetSpec.Format.CIFAR10_BIN, DatasetSpec.Format.parse("CIFAR10"));
    }

    @Test
    void compactStringRoundTrips() {
        for (String s : List.of("idx:d#split=train", "idx:d#split=test", "cifar10:a.bin,b.bin", "folder:x/y",
                "csv:t.csv", "csv:t.csv#label=kind", "csv:t.csv#label=0,header=false", "csv:t.csv#header=true",
                "embedded#split=train", "embedded#split=test")) {
            DatasetSpec spec = DatasetSpec.parse(s);
            assertEquals(s, spec.toCompactString());
            assertEquals(spec, DatasetSpec.parse(spec.toCompactString()));
        }
    }

    @Test
    void jsonRoundTrips() throws IOException {
        for (DatasetSpec spec : List.of(DatasetSpec.idx("/data/fashion-mnist", "test"),
                DatasetSpec.cifar10("a.bin", "b.bin"), DatasetSpec.folder("imgs"), DatasetSpec.csv("t.csv", "0", false),
                DatasetSpec.csv("t.csv", null, null), DatasetSpec.embedded("train"))) {
            String json = JSON.writeValueAsString(spec);
            assertEquals(spec, JSON.readValue(json, DatasetSpec.class), json);
        }
        assertEquals("{\"format\":\"CSV\",\"path\":\"t.csv\",\"labelColumn\":\"0\",\"hasHeader\":false}",
                JSON.writeValueAsString(DatasetSpec.csv("t.csv", "0", false)));
        assertEquals("{\"format\":\"EMBEDDED\",\"split\":\"test\"}",
                JSON.writeValueAsString(DatasetSpec.embedded("test")));
        assertEquals(DatasetSpec.idx("d", "train"), JSON.readValue("{\"format\":\"idx\",\"path\":\"d\"}",
                DatasetSpec.class));
    }

    @Test
    void jsonValidationNamesTheField() {
        var e = assertThrows(JsonMappingException.class,
                () -> JSON.readValue("{\"format\":\"parquet\",\"path\":\"d\"}", DatasetSpec.class));
        assertTrue(e.getMessage().contains("format must be one of [IDX, CIFAR10_BIN, IMAGE_FOLDER, CSV, EMBEDDED] "
                + "(or [idx, cifar10, folder, csv, embedded]), got 'parquet'"), e.getMessage());
        e = assertThrows(JsonMappingException.class,
                () -> JSON.readValue("{\"format\":\"IDX\",\"path\":\"d\",\"split\":\"val\"}", DatasetSpec.class));
        assertTrue(e.getMessage().contains("split must be one of [train, test], got 'val'"), e.getMessage());
    }

    @Test
    void constructorValidates() {
        var e = assertThrows(IllegalArgumentException.class, () -> new DatasetSpec(null, "d", null, null, null));
        assertEquals("format must be one of [IDX, CIFAR10_BIN, IMAGE_FOLDER, CSV, EMBEDDED], got null",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DatasetSpec.idx(null, "train"));
        assertEquals("path must be given for format IDX, got null", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new DatasetSpec(DatasetSpec.Format.EMBEDDED, "x", null, null, null));
        assertEquals("path must be null for format EMBEDDED, got 'x'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DatasetSpec.idx("d", "validation"));
        assertEquals("split must be one of [train, test], got 'validation'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new DatasetSpec(DatasetSpec.Format.CSV, "t.csv", "test", null, null));
        assertEquals("split applies only to formats IDX and EMBEDDED, got 'test' for format CSV", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new DatasetSpec(DatasetSpec.Format.IMAGE_FOLDER, "d", null, "3", null));
        assertEquals("labelColumn and hasHeader apply only to format CSV, got labelColumn '3' for format "
                + "IMAGE_FOLDER", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DatasetSpec.Format.parse("x"));
        assertEquals("format must be one of [IDX, CIFAR10_BIN, IMAGE_FOLDER, CSV, EMBEDDED] "
                + "(or [idx, cifar10, folder, csv, embedded]), got 'x'", e.getMessage());
    }

    @Test
    void malformedCompactStrings() {
        String usage = "dataset: expected idx:DIR[#split=test], cifar10:FILE[,FILE...], folder:DIR, "
                + "csv:FILE[#label=COL][,header=true|false] or embedded[#split=test], got ";
        for (String s : List.of("", "parquet:x", "idx", "idx:", "embedded:x", "csv")) {
            var e = assertThrows(IllegalArgumentException.class, () -> DatasetSpec.parse(s), s);
            assertEquals(usage + "'" + s + "'", e.getMessage());
        }
        var e = assertThrows(IllegalArgumentException.class, () -> DatasetSpec.parse("csv:t.csv#lable=3"));
        assertEquals("dataset 'csv:t.csv#lable=3': option: expected one of [label, header] for csv, got 'lable'",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DatasetSpec.parse("folder:d#split=test"));
        assertEquals("dataset 'folder:d#split=test': option: expected one of [] for folder, got 'split'",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DatasetSpec.parse("csv:t.csv#header=yes"));
        assertEquals("dataset 'csv:t.csv#header=yes': header: expected true or false, got 'yes'", e.getMessage());
    }

    @Test
    void loadsEveryFormat() throws IOException {
        Dataset emb = DatasetSpec.parse("embedded#split=test").load();
        assertEquals(500, emb.rows());
        Path csv = tmp.resolve("t.csv");
        Files.writeString(csv, "kind,a,b\nx,1,2\ny,3,4\n");
        Dataset c = DatasetSpec.parse("csv:" + csv + "#label=kind").load();
        assertArrayEquals(new float[] {3, 4}, c.row(1));
        assertEquals(List.of("x", "y"), c.classNames());
        Path bin = tmp.resolve("b.bin");
        Files.write(bin, Cifar10ReaderTest.records(4, 2));
        Dataset cifar = DatasetSpec.parse("cifar10:" + bin + "," + bin).load();
        assertArrayEquals(new int[] {4, 2, 4, 2}, cifar.labels());

        Path fmnist = SharedData.require("fashion-mnist");
        Dataset idx = DatasetSpec.parse("idx:" + fmnist + "#split=test").load();
        assertEquals(10000, idx.rows());
        assertEquals(IdxReader.readDirectory(fmnist, "test").fingerprint(), idx.fingerprint());
    }
}
