package io.datamodels.spark;

import io.datamodels.store.Store;
import io.datamodels.train.Training;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The training sessions of this JVM (an executor, or the driver in local mode), one per job: the store opened and
 * the learner bound (the dataset loaded and its fingerprints checked) once, then shared by every task of the job
 * that runs here, at once or one after another. A session whose task failed is evicted, so a retry binds afresh; a
 * session is closed when its last user is done after it was evicted, and every session at {@link #closeAll}
 * (the driver, after a job) or when the JVM exits.
 */
final class Sessions {
    /** A bound session and the tasks using it. */
    static final class Session {
        private final String key;
        final Store store;
        final Training training;
        private int users;
        private boolean evicted;

        private Session(String key, Store store, Training training) {
            this.key = key;
            this.store = store;
            this.training = training;
        }
    }

    private static final Map<String, Session> OPEN = new HashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Sessions::closeAll, "datamodels-sessions"));
    }

    private Sessions() {
    }

    /**
     * The session of job {@code id} over rows {@code [from, to)} (to = -1: every row), bound now if this JVM has none;
     * release it with {@link #release}.
     */
    static Session acquire(String id, TrainJob job, long from, long to) throws IOException {
        synchronized (OPEN) {
            Session s = OPEN.get(id);
            if (s == null) {
                Store store = Store.open(Path.of(job.store()), true);
                Training t;
                try {
                    t = Training.start(store, job.options(), from, to < 0 ? store.numModels() : to);
                } catch (IOException | RuntimeException e) {
                    store.close();
                    throw e;
                }
                s = new Session(id, store, t);
                OPEN.put(id, s);
            }
            s.users++;
            return s;
        }
    }

    /** Ends one task's use of {@code s}; {@code failed} evicts it, so that the next task binds a new one. */
    static void release(Session s, boolean failed) {
        boolean close;
        synchronized (OPEN) {
            s.users--;
            if (failed && !s.evicted) {
                s.evicted = true;
                OPEN.remove(s.key, s);
            }
            close = s.evicted && s.users == 0;
        }
        if (close) {
            close(s);
        }
    }

    /** Evicts every session; each is closed now, or by its last user. */
    static void closeAll() {
        java.util.List<Session> idle = new java.util.ArrayList<>();
        synchronized (OPEN) {
            for (Session s : OPEN.values()) {
                s.evicted = true;
                if (s.users == 0) {
                    idle.add(s);
                }
            }
            OPEN.clear();
        }
        idle.forEach(Sessions::close);
    }

    private static void close(Session s) {
        s.training.close();
        try {
            s.store.close();
        } catch (IOException e) {
            // the store was only read and written through forced positional writes: nothing is lost
        }
    }
}
