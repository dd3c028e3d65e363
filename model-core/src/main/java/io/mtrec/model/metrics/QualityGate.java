package io.mtrec.model.metrics;

import java.util.Locale;

/**
 * Decides whether a model version may be published: its progressive figures must be no worse than
 * those of the last published version beyond a tolerance — click and purchase AUC at most {@code
 * tolerance} lower, rating RMSE at most a {@code tolerance} fraction higher. A figure that is NaN
 * on either side (a task without data yet) does not hold a version back. The first version always
 * passes.
 *
 * <p>The gate compares against the last <em>published</em> version, not the last candidate, so a
 * slow slide is caught once it adds up to the tolerance. Not thread-safe.
 */
public final class QualityGate {

    /** The outcome of {@link #check}: publish or not, and why not. */
    public record Decision(boolean publish, String reason) {
        static Decision pass() {
            return new Decision(true, null);
        }
    }

    private final double tolerance;
    private MetricsSnapshot published;

    /**
     * @param tolerance AUC drop and relative RMSE rise allowed, in [0, 1]
     */
    public QualityGate(double tolerance) {
        if (!(tolerance >= 0 && tolerance <= 1)) {
            throw new IllegalArgumentException("tolerance must be in [0, 1], got " + tolerance);
        }
        this.tolerance = tolerance;
    }

    /** Whether a version with figures {@code candidate} may be published. */
    public Decision check(MetricsSnapshot candidate) {
        if (published == null) {
            return Decision.pass();
        }
        if (worseAuc(candidate.clickAuc(), published.clickAuc())) {
            return held("click AUC", candidate.clickAuc(), published.clickAuc());
        }
        if (worseAuc(candidate.purchaseAuc(), published.purchaseAuc())) {
            return held("purchase AUC", candidate.purchaseAuc(), published.purchaseAuc());
        }
        if (Double.isFinite(candidate.ratingRmse())
                && Double.isFinite(published.ratingRmse())
                && candidate.ratingRmse() > published.ratingRmse() * (1 + tolerance)) {
            return held("rating RMSE", candidate.ratingRmse(), published.ratingRmse());
        }
        return Decision.pass();
    }

    /** Records that a version with figures {@code figures} was published: the new baseline. */
    public void published(MetricsSnapshot figures) {
        this.published = figures;
    }

    /** The baseline, or null before the first publication. */
    public MetricsSnapshot baseline() {
        return published;
    }

    private boolean worseAuc(double candidate, double baseline) {
        return Double.isFinite(candidate)
                && Double.isFinite(baseline)
                && candidate < baseline - tolerance;
    }

    private Decision held(String figure, double candidate, double baseline) {
        return new Decision(
                false,
                String.format(
                        Locale.ROOT,
                        "%s %.4f is worse than the last published %.4f beyond the tolerance %.4f",
                        figure,
                        candidate,
                        baseline,
                        tolerance));
    }
}
