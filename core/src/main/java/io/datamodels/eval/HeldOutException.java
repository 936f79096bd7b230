package io.datamodels.eval;

import io.datamodels.store.StoreException;

/**
 * A held-out store that {@link Lds} refuses but would evaluate with one of its checks relaxed on the caller's word:
 * the message names the relaxing option in plain words; {@link #messageNaming} lets a front end name its own option.
 */
public final class HeldOutException extends StoreException {
    private static final long serialVersionUID = 1L;

    /** The check that a caller may relax. */
    public enum Relax {
        /** {@code assumeSameData} of {@link Lds}'s {@code run}: data without fingerprints taken to match. */
        ASSUME_SAME_DATA("assuming the same data"),
        /** {@code allowInSample} of {@link Lds}'s {@code run}: a store sharing models with the fit evaluated. */
        ALLOW_IN_SAMPLE("allowing an in-sample score");

        private final String words;

        Relax(String words) {
            this.words = words;
        }

        /** The option in plain words. */
        public String words() {
            return words;
        }
    }

    private final Relax relax;
    private final String reason;
    private final String hint;

    /**
     * @param reason why the store is refused
     * @param relax  the check that relaxing lets pass
     * @param hint   what relaxing does, with {@code %s} where the option is named
     */
    HeldOutException(String reason, Relax relax, String hint) {
        super(reason + hint.formatted(relax.words()));
        this.relax = relax;
        this.reason = reason;
        this.hint = hint;
    }

    /** The check that relaxing lets pass. */
    public Relax relax() {
        return relax;
    }

    /** The message with the relaxing option named {@code option} (e.g. a command-line flag). */
    public String messageNaming(String option) {
        return reason + hint.formatted(option);
    }
}
