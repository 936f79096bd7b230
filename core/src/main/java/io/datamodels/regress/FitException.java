package io.datamodels.regress;

import java.io.IOException;

/** Input that the regression cannot use (not binary, not finite, too few models, bad range); one line. */
public final class FitException extends IOException {
    private static final long serialVersionUID = 1L;

    public FitException(String message) {
        super(message);
    }
}
