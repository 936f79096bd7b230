package io.datamodels.regress;

import java.io.IOException;

/**
 * Input that the regression cannot use (not binary, not finite, too few models, bad range); one line. Where the
 * fault is in a field of a {@link FitRequest}, {@link #field} names it, so that a front end can name its own option
 * for that field instead.
 */
public final class FitException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String field;
    private final String detail;

    public FitException(String message) {
        super(message);
        this.field = null;
        this.detail = message;
    }

    /** A fault in request field {@code field}: the message is "field: detail". */
    public FitException(String field, String detail) {
        super(field + ": " + detail);
        this.field = field;
        this.detail = detail;
    }

    /** The request field at fault (e.g. {@link FitRequest#TARGETS}), or null when the fault is in the data. */
    public String field() {
        return field;
    }

    /** The message without the field's name: what was expected and what was found. */
    public String detail() {
        return detail;
    }
}
