package io.datamodels.testing;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fails a test that prints to {@code System.out}: library code must report through return values, exceptions and
 * the writers it is given, never the console. Use with {@code @ExtendWith(NoStdout.class)}.
 */
public final class NoStdout implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(NoStdout.class);

    private record Saved(PrintStream original, ByteArrayOutputStream captured) {
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        context.getStore(NS).put("saved", new Saved(System.out, captured));
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Saved s = context.getStore(NS).remove("saved", Saved.class);
        if (s == null) {
            return;
        }
        System.out.flush();
        System.setOut(s.original());
        String text = s.captured().toString(StandardCharsets.UTF_8);
        if (!text.isEmpty()) {
            fail("test printed to stdout: " + text.strip().lines().findFirst().orElse(""));
        }
    }
}
