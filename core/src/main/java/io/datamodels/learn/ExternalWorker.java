package io.datamodels.learn;

import com.fasterxml.jackson.databind.JsonNode;
import io.datamodels.ConfigException;
import io.datamodels.Json;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One long-lived worker process of {@link ExternalLearner} in worker mode, and its side of the line protocol: one
 * JSON request per line on the worker's stdin, one JSON reply per line on its stdout (see ExternalLearner's class
 * comment). Its stdout is read by a daemon thread into a queue, so a reply can be awaited with a timeout. Used by
 * one thread at a time.
 */
final class ExternalWorker {
    /** What became of one request. */
    sealed interface Reply {
        /** {"index": I, "status": "done"}: the outputs are in the request's out folder. */
        record Done() implements Reply {
        }

        /** {"index": I, "status": "error", "message": M}: training failed; the worker lives on. */
        record Error(String message) implements Reply {
        }

        /** No reply within the time limit; the worker must be killed. */
        record TimedOut() implements Reply {
        }

        /** The worker's stdout ended: it exited (or closed stdout) with exit status {@code code}. */
        record Exited(int code) implements Reply {
        }

        /** A stdout line that is not a reply to this request; {@code why} quotes it. */
        record Garbled(String why) implements Reply {
        }
    }

    private static final Object EOF = new Object();
    private static final int QUOTED_CHARS = 80;

    private final Process process;
    private final Path dir;
    private final OutputStream stdin;
    private final BlockingQueue<Object> lines = new LinkedBlockingQueue<>();
    private long lineNumber;

    private ExternalWorker(Process process, Path dir) {
        this.process = process;
        this.dir = dir;
        this.stdin = process.getOutputStream();
        Thread reader = new Thread(this::readStdout, "datamodels-external-worker-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code pb} (its stderr already redirected into {@code dir}) with piped stdin and stdout. */
    static ExternalWorker start(ProcessBuilder pb, Path dir) throws IOException {
        pb.redirectInput(ProcessBuilder.Redirect.PIPE).redirectOutput(ProcessBuilder.Redirect.PIPE);
        return new ExternalWorker(pb.start(), dir);
    }

    /** The folder of this worker's stderr log. */
    Path dir() {
        return dir;
    }

    /** The last lines of the worker's stderr. */
    List<String> stderrTail() {
        return ExternalLearner.tail(dir.resolve(ExternalLearner.STDERR_FILE));
    }

    private void readStdout() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.add(line);
            }
        } catch (IOException e) {
            // the stream broke: same as its end
        } finally {
            lines.add(EOF);
        }
    }

    /**
     * Sends {@code request} (one JSON object, no newline) and waits up to {@code timeoutSeconds} for the reply about
     * model {@code index}. Blank stdout lines are skipped.
     */
    Reply request(String request, long index, int timeoutSeconds) throws InterruptedException {
        try {
            stdin.write((request + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        } catch (IOException e) {
            return exited();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (true) {
            long left = deadline - System.nanoTime();
            Object got = left <= 0 ? lines.poll() : lines.poll(left, TimeUnit.NANOSECONDS);
            if (got == null) {
                return new Reply.TimedOut();
            }
            if (got == EOF) {
                lines.add(EOF);
                return exited();
            }
            lineNumber++;
            String line = (String) got;
            if (line.isBlank()) {
                continue;
            }
            return parse(line, index);
        }
    }

    private Reply parse(String line, long index) {
        String at = "line " + lineNumber + ": ";
        JsonNode n;
        try {
            n = Json.parseTree("worker reply", line);
        } catch (ConfigException e) {
            n = null;
        }
        if (n == null || !n.isObject()) {
            return new Reply.Garbled(at + "expected a JSON object {\"index\": ..., \"status\": ...}, got '"
                    + quote(line) + "'");
        }
        JsonNode i = n.get("index");
        if (i == null || !i.canConvertToExactIntegral() || i.asLong() != index) {
            return new Reply.Garbled(at + "index: expected " + index + " (the model in flight), got "
                    + (i == null ? "none" : i.toString()));
        }
        JsonNode s = n.get("status");
        String status = s == null || !s.isTextual() ? null : s.asText();
        if ("done".equals(status)) {
            return new Reply.Done();
        }
        if ("error".equals(status)) {
            JsonNode msg = n.get("message");
            return new Reply.Error(msg == null || msg.isNull() ? "(no message)" : msg.isTextual() ? msg.asText()
                    : msg.toString());
        }
        return new Reply.Garbled(at + "status: expected \"done\" or \"error\", got "
                + (s == null ? "none" : quote(s.toString())));
    }

    private static String quote(String s) {
        return s.length() <= QUOTED_CHARS ? s : s.substring(0, QUOTED_CHARS) + "...";
    }

    private Reply exited() throws InterruptedException {
        // the stdout end usually comes just before the exit; a worker that closed stdout but lives on is killed
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            ExternalLearner.killTree(process);
            return new Reply.Exited(ExternalLearner.NOT_EXITED);
        }
        return new Reply.Exited(process.exitValue());
    }

    /**
     * Ends the worker: {@code kill} kills its process tree at once; otherwise its stdin is closed (the protocol's
     * end) and it gets 5 seconds to exit before it is killed.
     */
    void close(boolean kill) {
        if (!kill) {
            try {
                stdin.close();
            } catch (IOException e) {
                // already gone
            }
            try {
                if (process.waitFor(5, TimeUnit.SECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        ExternalLearner.killTree(process);
        try {
            stdin.close();
        } catch (IOException e) {
            // already gone
        }
    }
}
