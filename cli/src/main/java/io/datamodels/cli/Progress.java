package io.datamodels.cli;

import io.datamodels.train.Runner;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintWriter;
import java.time.Duration;

/**
 * Progress of long work: a bar with rate and ETA on a terminal, plain lines every 10 seconds (and at the end)
 * otherwise, so logs stay readable.
 */
abstract class Progress implements AutoCloseable {
    abstract void start(long total);

    abstract void step(long n);

    abstract void message(String line);

    /** Ends the bar, or prints the final line; only the first call does anything. */
    @Override
    public abstract void close();

    static Progress create(PrintWriter out, String task, String unit) {
        java.io.Console c = System.console();
        boolean terminal = c != null && c.isTerminal() && System.getenv("CI") == null;
        return terminal ? new Bar(task, unit) : new Lines(out, task, unit);
    }

    /** Shows a training run on a progress, and closes it (its final line) when the run is over. */
    static class Training implements Runner.Listener {
        private final Progress progress;

        Training(Progress progress) {
            this.progress = progress;
        }

        @Override
        public void started(long todo) {
            progress.start(todo);
        }

        @Override
        public void stored(int count) {
            progress.step(count);
        }

        @Override
        public void finished() {
            progress.close();
        }
    }

    private static final class Bar extends Progress {
        private final String task;
        private final String unit;
        private ProgressBar bar;

        Bar(String task, String unit) {
            this.task = task;
            this.unit = unit;
        }

        @Override
        synchronized void start(long total) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setUnit(" " + unit, 1)
                    .setStyle(ProgressBarStyle.ASCII).showSpeed().setUpdateIntervalMillis(500).build();
        }

        @Override
        synchronized void step(long n) {
            if (bar != null) {
                bar.stepBy(n);
            }
        }

        @Override
        synchronized void message(String line) {
            System.err.println();
            System.err.println(line);
        }

        @Override
        public synchronized void close() {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }
    }

    private static final class Lines extends Progress {
        private final PrintWriter out;
        private final String task;
        private final String unit;
        private long total;
        private long done;
        private long t0;
        private long lastPrint;
        private boolean closed;

        Lines(PrintWriter out, String task, String unit) {
            this.out = out;
            this.task = task;
            this.unit = unit;
        }

        @Override
        synchronized void start(long total) {
            this.total = total;
            t0 = System.nanoTime();
            lastPrint = t0;
        }

        @Override
        synchronized void step(long n) {
            done += n;
            long now = System.nanoTime();
            if (now - lastPrint >= 10_000_000_000L) {
                lastPrint = now;
                print(now);
            }
        }

        private void print(long now) {
            double secs = (now - t0) / 1e9;
            double rate = done / Math.max(secs, 1e-9);
            long eta = rate > 0 ? (long) ((total - done) / rate) : -1;
            out.printf("%s: %d/%d %s (%.1f%%), %.2f %s/s, elapsed %s, ETA %s%n", task, done, total, unit,
                    total == 0 ? 100.0 : 100.0 * done / total, rate, unit, fmt((long) secs),
                    eta < 0 ? "?" : fmt(eta));
            out.flush();
        }

        private static String fmt(long s) {
            Duration d = Duration.ofSeconds(s);
            return d.toHours() > 0 ? String.format("%dh%02dm%02ds", d.toHours(), d.toMinutesPart(), d.toSecondsPart())
                    : String.format("%dm%02ds", d.toMinutesPart(), d.toSecondsPart());
        }

        @Override
        synchronized void message(String line) {
            out.println(line);
            out.flush();
        }

        @Override
        public synchronized void close() {
            if (!closed && t0 != 0 && done > 0) {
                print(System.nanoTime());
            }
            closed = true;
        }
    }
}
