package io.datamodels.learn;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How {@link ExternalLearner} runs a user's training command: one process per model, or one long-lived worker
 * process per runner thread that trains many models through a line protocol on stdin/stdout.
 *
 * <p>JSON form: {@code {"command": "python3 train.py --mask {mask} --out {out}", "timeout_seconds": 3600,
 * "work_dir": null}}, plus {@code "mode": "worker"} for a worker command (the field is left out for the default
 * one-process-per-model mode, so configs recorded before it existed still compare equal).
 *
 * @param command        a {@code /bin/sh -c} command line; placeholders such as {@code {index}}, {@code {seed}},
 *                       {@code {mask}} and {@code {out}} are replaced by shell-quoted values (see
 *                       {@link ExternalLearner})
 * @param timeoutSeconds wall-clock limit of one model, >= 1 ({@link #DEFAULT_TIMEOUT_SECONDS} where a config
 *                       leaves it out); past it the command's (or worker's) process tree is killed
 * @param workDir        the command's working directory; null for the current one
 * @param mode           null (or "command") for one process per model; "worker" for a long-lived worker
 */
public record ExternalConfig(@JsonProperty("command") String command,
                             @JsonProperty("timeout_seconds") int timeoutSeconds,
                             @JsonProperty("work_dir") String workDir,
                             @JsonProperty("mode") @JsonInclude(JsonInclude.Include.NON_NULL) String mode) {
    /** The timeout of one model where a config gives none: one hour. */
    public static final int DEFAULT_TIMEOUT_SECONDS = 3600;
    /** {@link #mode()} of a long-lived worker process. */
    public static final String WORKER = "worker";
    /** The spelled-out default mode, one process per model; stored as null. */
    public static final String COMMAND = "command";

    @JsonCreator
    public ExternalConfig {
        if (command == null) {
            throw new IllegalArgumentException("command: required field is missing");
        }
        if (command.isBlank()) {
            throw new IllegalArgumentException("command must be a non-blank shell command, got '" + command + "'");
        }
        if (timeoutSeconds < 1) {
            throw new IllegalArgumentException("timeout_seconds must be >= 1, got " + timeoutSeconds);
        }
        if (workDir != null && workDir.isBlank()) {
            throw new IllegalArgumentException("work_dir must be null (the current folder) or a non-blank path, got '"
                    + workDir + "'");
        }
        if (COMMAND.equals(mode)) {
            mode = null;
        }
        if (mode != null && !mode.equals(WORKER)) {
            throw new IllegalArgumentException("mode must be '" + COMMAND + "' (one process per model) or '" + WORKER
                    + "' (a long-lived worker), got '" + mode + "'");
        }
    }

    /**
     * Sets the fields of a command line's external-learner options in {@code config}: {@code command} (one process
     * per model) or {@code worker} (a long-lived worker: command and mode), and {@code timeoutSeconds}; null leaves a
     * field as it is. The caller refuses both command and worker.
     *
     * @return {@code config}
     */
    public static com.fasterxml.jackson.databind.node.ObjectNode setFields(
            com.fasterxml.jackson.databind.node.ObjectNode config, String command, String worker,
            Integer timeoutSeconds) {
        if (command != null) {
            config.put("command", command);
        }
        if (worker != null) {
            config.put("command", worker);
            config.put("mode", WORKER);
        }
        if (timeoutSeconds != null) {
            config.put("timeout_seconds", timeoutSeconds);
        }
        return config;
    }

    /** A one-process-per-model config. */
    public ExternalConfig(String command, int timeoutSeconds, String workDir) {
        this(command, timeoutSeconds, workDir, null);
    }

    /** True for a long-lived worker ({@code "mode": "worker"}). */
    @JsonIgnore
    public boolean worker() {
        return WORKER.equals(mode);
    }
}
