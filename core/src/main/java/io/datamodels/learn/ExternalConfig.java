package io.datamodels.learn;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How {@link ExternalLearner} runs a user's training command, one process per model.
 *
 * <p>JSON form: {@code {"command": "python3 train.py --mask {mask} --out {out}", "timeout_seconds": 3600,
 * "work_dir": null}}.
 *
 * @param command        a {@code /bin/sh -c} command line; the placeholders {@code {index}}, {@code {seed}},
 *                       {@code {mask}} and {@code {out}} are replaced by shell-quoted values (see
 *                       {@link ExternalLearner})
 * @param timeoutSeconds wall-clock limit of one model's command, >= 1; past it the command's process tree is killed
 * @param workDir        the command's working directory; null for the current one
 */
public record ExternalConfig(@JsonProperty("command") String command,
                             @JsonProperty("timeout_seconds") int timeoutSeconds,
                             @JsonProperty("work_dir") String workDir) {

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
    }
}
