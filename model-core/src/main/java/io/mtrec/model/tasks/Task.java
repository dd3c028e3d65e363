package io.mtrec.model.tasks;

/** The three tasks sharing the embeddings; {@link #index()} is the head's position. */
public enum Task {
    /** P(click | impression): sigmoid output, binary cross-entropy. */
    CLICK,
    /** P(purchase | click): sigmoid output, binary cross-entropy. */
    PURCHASE,
    /** Rating on the configured scale: linear output, squared error. */
    RATING;

    private static final Task[] VALUES = values();

    public int index() {
        return ordinal();
    }

    public static Task ofIndex(int index) {
        return VALUES[index];
    }
}
