package io.datamodels.spark;

import io.datamodels.store.Store;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Distributed training on a real Spark standalone cluster, started from Spark's own jars on this machine: one master
 * JVM and two worker JVMs (one core each) on 127.0.0.1, each worker launching its executor JVM through Spark's
 * launcher (from a {@code SPARK_HOME} whose {@code jars/} links the test class path), and this JVM as the driver.
 * Once the store shows some completed rows but not all, one worker JVM and its executor are killed
 * ({@code destroyForcibly}); Spark reschedules the lost tasks on the other worker, the job completes every row, and
 * every {@code .npy} of the store is byte-identical to a one-machine training of the same store.
 */
@Tag("standalone-cluster")
@Timeout(value = 110, unit = TimeUnit.SECONDS)
class SparkStandaloneClusterTest {
    private static final int MODELS = 32;
    private static final int TASKS = 8;
    /** Each stored model makes its task sleep this long, so the job lasts long enough to kill a worker mid-job. */
    private static final long SLEEP_PER_MODEL_MS = 250;

    @TempDir
    static Path tmp;
    private static final List<Process> PROCESSES = new ArrayList<>();

    @AfterAll
    static void killAll() {
        for (Process p : PROCESSES) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    @Test
    void aWorkerKilledMidJobLeavesTheOneMachineBytes() throws Exception {
        assumeTrue(loopbackWorks(), "no loopback interface to bind 127.0.0.1: cannot start a standalone cluster");
        Path reference = Stores.init(tmp.resolve("reference"), MODELS);
        Stores.trainLocally(reference);
        Path s = Stores.init(tmp.resolve("store"), MODELS);

        String flags = String.join(" ", sparkFlags());
        Path home = sparkHome();
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        String master = "spark://127.0.0.1:" + port;
        start("master", home, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
                String.valueOf(port), "--webui-port", "0");
        awaitPort(port);
        List<Process> workers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Path work = Files.createDirectories(tmp.resolve("work-" + i));
            workers.add(start("worker-" + i, home, "org.apache.spark.deploy.worker.Worker", master, "--host",
                    "127.0.0.1", "--cores", "1", "--memory", "1g", "--work-dir", work.toString(), "--webui-port", "0"));
        }

        JavaSparkContext sc = new JavaSparkContext(new SparkConf().setMaster(master)
                .setAppName("SparkStandaloneClusterTest").set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.local.dir", tmp.resolve("spark").toString()).set("spark.task.maxFailures", "4")
                .set("spark.executor.memory", "512m").set("spark.executor.cores", "1")
                .set("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .set("spark.executor.extraJavaOptions", flags));
        try {
            sc.setLogLevel("ERROR");
            awaitExecutors(sc, 2);
            TaskHook slow = (from, to, attempt, count) -> {
                try {
                    Thread.sleep(SLEEP_PER_MODEL_MS * count);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            CompletableFuture<DistributedTraining.Result> job = CompletableFuture.supplyAsync(() -> {
                try {
                    return DistributedTraining.run(sc, Stores.job(s), 0, MODELS, TASKS, slow);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            long completedAtKill = awaitSomeCompleted(s, job);
            Process victim = workers.get(0);
            List<ProcessHandle> executors = victim.descendants().toList();
            executors.forEach(ProcessHandle::destroyForcibly);
            victim.destroyForcibly();
            assertTrue(completedAtKill > 0 && completedAtKill < MODELS, "killed at " + completedAtKill + " rows");
            assertEquals(1, executors.size(), "the killed worker's executor JVM: " + executors);

            DistributedTraining.Result r = job.get(90, TimeUnit.SECONDS);
            assertTrue(r.failures().isEmpty(), r.failures().toString());
            assertEquals(0, r.notCompleted());
            try (Store st = Store.open(s, false)) {
                assertEquals(MODELS, st.completedCount());
            }
            Stores.assertSameNpy(reference, s);
        } finally {
            sc.stop();
        }
    }

    private static boolean loopbackWorks() {
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return ss.getLocalPort() > 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** The module and native-access flags this JVM was started with (Spark's and the core's), for the cluster JVMs. */
    private static List<String> sparkFlags() {
        List<String> in = ManagementFactory.getRuntimeMXBean().getInputArguments();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            String a = in.get(i);
            if ((a.equals("--add-modules") || a.equals("--add-opens")) && i + 1 < in.size()) {
                out.add(a + "=" + in.get(++i));
            } else if (a.startsWith("--add-opens=") || a.startsWith("--add-modules=")
                    || a.startsWith("--enable-native-access") || a.startsWith("--sun-misc-unsafe-memory-access")
                    || a.equals("-XX:+IgnoreUnrecognizedVMOptions") || a.startsWith("-Dio.netty.")) {
                out.add(a);
            }
        }
        return out;
    }

    /** A Spark distribution layout for the workers' launcher: {@code jars/} links every jar of this class path. */
    private static Path sparkHome() throws IOException {
        Path jars = Files.createDirectories(tmp.resolve("spark-home/jars"));
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(e);
            Path link = jars.resolve(p.getFileName().toString());
            if (e.endsWith(".jar") && Files.isRegularFile(p) && !Files.exists(link)) {
                Files.createSymbolicLink(link, p.toAbsolutePath());
            }
        }
        return jars.getParent();
    }

    /** Starts {@code main} in a JVM like this one (same java, class path and flags), its output in a log file. */
    private static Process start(String name, Path home, String main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path")));
        cmd.addAll(sparkFlags());
        cmd.add(main);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(tmp.resolve(name + ".log").toFile());
        pb.environment().put("SPARK_HOME", home.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        PROCESSES.add(p);
        return p;
    }

    private static void awaitPort(int port) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end) {
            try (Socket sock = new Socket()) {
                sock.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException e) {
                Thread.sleep(200);
            }
        }
        fail("master did not listen on port " + port + " within 30 s; see " + tmp.resolve("master.log"));
    }

    private static void awaitExecutors(JavaSparkContext sc, int n) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
        while (System.nanoTime() < end) {
            if (sc.sc().statusTracker().getExecutorInfos().length >= n + 1) { // the driver counts as one
                return;
            }
            Thread.sleep(200);
        }
        fail(n + " executors did not register within 45 s; see the worker logs in " + tmp);
    }

    /** Polls the store until some rows but not all are completed; returns how many. */
    private static long awaitSomeCompleted(Path s, CompletableFuture<?> job) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < end && !job.isDone()) {
            try (Store st = Store.open(s, false)) {
                long c = st.completedCount();
                if (c > 0) {
                    return c;
                }
            }
            Thread.sleep(50);
        }
        if (job.isDone()) {
            job.get();
        }
        return fail("no row completed within 60 s");
    }
}
