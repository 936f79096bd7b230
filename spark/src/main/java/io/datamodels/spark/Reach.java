package io.datamodels.spark;

import io.datamodels.store.StoreException;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.Serializable;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Checks, before a job's real tasks, that the executors see the folders the job needs: a small probe stage (one
 * task per slot, twice over, so that in practice every executor runs one) in which each task looks at the folders
 * from its own host. The driver gathers the answers and refuses the job with one line naming the host and the folder
 * when any executor cannot read (or, where writing is needed, write) one of them. The driver's own view was
 * checked before the context existed; this finds a path that only the driver mounts.
 */
final class Reach {
    /** A folder the job needs, and the file inside it that must be readable there. */
    record Need(String dir, String file, boolean writable) implements Serializable {
    }

    private Reach() {
    }

    /** Fails with a {@link StoreException} naming the first host and folder some executor cannot reach. */
    static void check(JavaSparkContext sc, List<Need> needs) throws StoreException {
        int n = Math.max(1, 2 * sc.defaultParallelism());
        List<Integer> probes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            probes.add(i);
        }
        List<Need> wanted = List.copyOf(needs);
        sc.setJobDescription("datamodels: can the executors reach " + wanted.getFirst().dir() + "?");
        List<String> problems = sc.parallelize(probes, n).flatMap(i -> problems(wanted).iterator()).collect();
        if (!problems.isEmpty()) {
            TreeSet<String> distinct = new TreeSet<>(problems);
            throw new StoreException(distinct.first() + " (every executor must mount it at the same path"
                    + (distinct.size() > 1 ? "; " + (distinct.size() - 1) + " more such problems" : "") + ")");
        }
    }

    /** What this JVM cannot do with {@code needs}: one line per problem, naming this host. */
    static List<String> problems(List<Need> needs) throws java.io.IOException {
        String host = InetAddress.getLocalHost().getHostName();
        List<String> out = new ArrayList<>();
        for (Need need : needs) {
            Path dir = Path.of(need.dir());
            Path file = dir.resolve(need.file());
            if (!Files.isDirectory(dir)) {
                out.add(dir + ": folder not found on executor host " + host);
            } else if (!Files.isReadable(file)) {
                out.add(file + ": not readable on executor host " + host);
            } else if (need.writable() && !Files.isWritable(dir)) {
                out.add(dir + ": not writable on executor host " + host);
            }
        }
        return out;
    }
}
