package io.datamodels.store;

import java.io.IOException;

/** A store whose files disagree with its spec, or a request the store cannot serve; the message is one line. */
public class StoreException extends IOException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message) {
        super(message);
    }
}
