package io.mtrec.model.tasks;

/** The three tasks sharing the embeddings; {@link #index()} is the head's position. */
public enum Task {
    /** P(click | impression): sigmoid output, binary cross-entropy. */
    CLICK,
    /**
     * P(purchase | click): sigmoid output, trained by BCE on pCTR * pCVR over impressions (ESMM) or
     * on pCVR over clicks.
     */
    PURCHASE,
    /** Rating on the configured scale: linear output, squared error or Huber loss. */
    RATING;

    private static final Task[] VALUES = values();

    public int index() {
        return ordinal();
    }

    public static Task ofIndex(int index) {
        return VALUES[index];
    }
}
