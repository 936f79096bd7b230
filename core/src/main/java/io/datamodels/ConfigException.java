package io.datamodels;

import java.io.IOException;

/** A configuration or metadata file that is missing, malformed or out of range; the message is one line. */
public final class ConfigException extends IOException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
