package io.datamodels.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Fails a test that writes to {@code System.out}. */
final class NoStdout implements BeforeEachCallback, AfterEachCallback {
    private PrintStream saved;
    private ByteArrayOutputStream captured;

    @Override
    public void beforeEach(ExtensionContext context) {
        saved = System.out;
        captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        System.setOut(saved);
        assertEquals("", captured.toString(StandardCharsets.UTF_8), "test wrote to stdout");
    }
}
