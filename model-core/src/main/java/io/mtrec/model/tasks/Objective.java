package io.mtrec.model.tasks;

/**
 * One loss term an example can carry, and the task it belongs to. An example may carry several (an
 * ESMM impression carries {@link #CLICK} and {@link #CTCVR}); each has its own label and weight.
 */
public enum Objective {
    /** BCE of pCTR = sigmoid(click logit). */
    CLICK(Task.CLICK),
    /** BCE of pCVR = sigmoid(purchase logit): purchase training in click space. */
    CONVERSION(Task.PURCHASE),
    /** BCE of pCTCVR = pCTR * pCVR, label "clicked and purchased": ESMM purchase training. */
    CTCVR(Task.PURCHASE),
    /** Squared error or Huber loss of the rating output. */
    RATING(Task.RATING);

    private static final Objective[] VALUES = values();

    private final Task task;

    Objective(Task task) {
        this.task = task;
    }

    /** The task whose weight (static or learned) scales this loss. */
    public Task task() {
        return task;
    }

    /** This objective's bit in an example's loss mask. */
    public int bit() {
        return 1 << ordinal();
    }

    public static Objective ofIndex(int index) {
        return VALUES[index];
    }

    /** The objective a single-loss example of {@code task} has: click space for purchases. */
    public static Objective of(Task task) {
        return switch (task) {
            case CLICK -> CLICK;
            case PURCHASE -> CONVERSION;
            case RATING -> RATING;
        };
    }
}
