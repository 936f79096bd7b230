package io.datamodels.cli;

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

    @Override
    public abstract void close();

    static Progress create(PrintWriter out, String task, String unit) {
        java.io.Console c = System.console();
        boolean terminal = c != null && c.isTerminal() && System.getenv("CI") == null;
        return terminal ? new Bar(task, unit) : new Lines(out, task, unit);
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
            if (t0 != 0 && done > 0) {
                print(System.nanoTime());
            }
        }
    }
}
