package io.datamodels.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.constantpool.Utf8Entry;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command line is an adapter over the core's public API: every core class its compiled code refers to (in its
 * constant pool: classes, and types inside field and method descriptors) lies in a package that the core module
 * ({@code io.datamodels}, read from the built core artifact's {@code module-info}) exports to everyone.
 */
class ApiBoundaryTest {
    /** A core type in a descriptor or signature string: {@code Lio/datamodels/store/Store;}. */
    private static final Pattern TYPE_IN_DESCRIPTOR = Pattern.compile("Lio/datamodels/([A-Za-z0-9_/$]+);");

    @Test
    void cliUsesOnlyPackagesTheCoreExports() throws IOException, URISyntaxException {
        ModuleDescriptor core = coreModule();
        Set<String> exported = core.exports().stream().filter(e -> !e.isQualified())
                .map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
        assertTrue(core.packages().size() > exported.size(),
                "the core exports every package it has: " + core.packages());
        Path classes = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> violations = new ArrayList<>();
        int scanned = 0;
        // The CLI's classes, then the report module's (a jar or a classes folder), which must keep to the same API.
        Path report = Path.of(io.datamodels.report.RunReport.class.getProtectionDomain().getCodeSource().getLocation()
                .toURI());
        for (Path root : List.of(classes, report)) {
            try (java.nio.file.FileSystem jar = Files.isDirectory(root) ? null
                    : java.nio.file.FileSystems.newFileSystem(root);
                 Stream<Path> files = Files.walk(jar == null ? root : jar.getPath("/"))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".class")
                        && !p.getFileName().toString().equals("module-info.class")).toList()) {
                    ClassModel cm = ClassFile.of().parse(Files.readAllBytes(f));
                    scanned++;
                    for (String pkg : corePackagesUsed(cm)) {
                        if (!exported.contains(pkg)) {
                            violations.add(cm.thisClass().asInternalName().replace('/', '.') + " uses " + pkg);
                        }
                    }
                }
            }
        }
        assertTrue(scanned > 30, "too few CLI and report classes found in " + classes + ", " + report + ": " + scanned);
        assertEquals(List.of(), violations, "CLI code uses core packages that are not exported (exported: "
                + new TreeSet<>(exported) + ")");
    }

    @Test
    void theScanSeesCoreTypesInThePoolAndInDescriptors() throws IOException, URISyntaxException {
        // The oracle for the scan itself: Main refers to core types, and so must its parsed constant pool.
        Path classes = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Set<String> used = new TreeSet<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                used.addAll(corePackagesUsed(ClassFile.of().parse(f)));
            }
        }
        assertFalse(used.isEmpty(), "no core package found in the CLI's constant pools");
        assertFalse(used.stream().anyMatch(p -> p.startsWith("io.datamodels.cli")), used.toString());
    }

    @Test
    void apiDocListsExactlyThePublicTypesTheModuleExports() throws IOException {
        ModuleDescriptor core = coreModule();
        Set<String> exported = core.exports().stream().filter(e -> !e.isQualified())
                .map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
        Set<String> publicTypes = new TreeSet<>();
        Path artifact = coreArtifact();
        try (var fs = Files.isDirectory(artifact) ? null : java.nio.file.FileSystems.newFileSystem(artifact)) {
            Path root = fs == null ? artifact : fs.getPath("/");
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                    ClassModel cm = ClassFile.of().parse(Files.readAllBytes(f));
                    String name = cm.thisClass().asInternalName().replace('/', '.');
                    int dot = name.lastIndexOf('.');
                    if (cm.flags().has(java.lang.reflect.AccessFlag.PUBLIC) && !name.contains("$")
                            && exported.contains(name.substring(0, Math.max(dot, 0)))) {
                        publicTypes.add(name);
                    }
                }
            }
        }
        assertTrue(publicTypes.size() > 40, "too few public types found in " + artifact + ": " + publicTypes);
        Set<String> documented = new TreeSet<>();
        String pkg = null;
        for (String line : Files.readString(DocsCommandsTest.root().resolve("docs/API.md")).split("\n")) {
            if (line.startsWith("## ")) {
                pkg = line.substring(3).strip();
            } else if (line.startsWith("- `") && pkg != null) {
                documented.add(pkg + "." + line.substring(3, line.indexOf('`', 3)));
            }
        }
        Set<String> missing = new TreeSet<>(publicTypes);
        missing.removeAll(documented);
        Set<String> stale = new TreeSet<>(documented);
        stale.removeAll(publicTypes);
        assertEquals(Set.of(), missing, "public exported types that docs/API.md does not list");
        assertEquals(Set.of(), stale, "types docs/API.md lists that are not public and exported");
    }

    /** The core packages (not the CLI's or the report's own) that a class refers to. */
    static Set<String> corePackagesUsed(ClassModel cm) {
        Set<String> pkgs = new TreeSet<>();
        for (PoolEntry e : cm.constantPool()) {
            if (e instanceof ClassEntry c) {
                String n = c.asInternalName();
                if (n.startsWith("[")) {
                    addFromDescriptor(n, pkgs);
                } else if (n.startsWith("io/datamodels/")) {
                    add(n, pkgs);
                }
            } else if (e instanceof Utf8Entry u) {
                addFromDescriptor(u.stringValue(), pkgs);
            }
        }
        return pkgs;
    }

    private static void addFromDescriptor(String s, Set<String> pkgs) {
        if (!s.contains("Lio/datamodels/")) {
            return;
        }
        Matcher m = TYPE_IN_DESCRIPTOR.matcher(s);
        while (m.find()) {
            add("io/datamodels/" + m.group(1), pkgs);
        }
    }

    private static void add(String internalName, Set<String> pkgs) {
        int slash = internalName.lastIndexOf('/');
        String pkg = internalName.substring(0, slash).replace('/', '.');
        if (!pkg.equals("io.datamodels.cli") && !pkg.startsWith("io.datamodels.cli.")
                && !pkg.equals("io.datamodels.report")) {
            pkgs.add(pkg);
        }
    }

    /** The core module as built: its descriptor, read from {@link #coreArtifact()}. */
    static ModuleDescriptor coreModule() {
        Path p = coreArtifact();
        return ModuleFinder.of(p).find("io.datamodels")
                .orElseThrow(() -> new AssertionError(p + " holds no module io.datamodels")).descriptor();
    }

    /** The core artifact on this test's class path: its jar, or its classes folder where no jar was built. */
    static Path coreArtifact() {
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            String name = p.getFileName() == null ? "" : p.getFileName().toString();
            if ((name.startsWith("datamodels-core-") && name.endsWith(".jar") && !name.endsWith("-tests.jar"))
                    || p.endsWith(Path.of("core", "target", "classes"))) {
                return p;
            }
        }
        throw new AssertionError("the core artifact is not on the class path");
    }
}
