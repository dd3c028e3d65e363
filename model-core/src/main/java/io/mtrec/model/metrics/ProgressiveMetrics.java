package io.mtrec.model.metrics;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Progressive validation of the three tasks: each prediction is recorded before the model learns
 * from its label, so the windows measure how the model does on data it has not yet seen.
 *
 * <p>The synthetic generator feeds the same class with its true probabilities, so the Bayes-optimal
 * figures are computed exactly like the model's.
 */
public final class ProgressiveMetrics {
    /** Default window: the last 20,000 predictions of each task. */
    public static final int DEFAULT_WINDOW = 20_000;

    private final WindowedBinaryMetrics click;
    private final WindowedBinaryMetrics purchase;
    private final WindowedRegressionMetrics rating;

    public ProgressiveMetrics() {
        this(DEFAULT_WINDOW);
    }

    public ProgressiveMetrics(int window) {
        this(
                new WindowedBinaryMetrics(window),
                new WindowedBinaryMetrics(window),
                new WindowedRegressionMetrics(window));
    }

    private ProgressiveMetrics(
            WindowedBinaryMetrics click,
            WindowedBinaryMetrics purchase,
            WindowedRegressionMetrics rating) {
        this.click = click;
        this.purchase = purchase;
        this.rating = rating;
    }

    /** Records P(click | impression) against whether the impression was clicked. */
    public void addClick(double probability, boolean clicked) {
        click.add(probability, clicked);
    }

    /** Records P(purchase | click) against whether the click converted. */
    public void addPurchase(double probability, boolean purchased) {
        purchase.add(probability, purchased);
    }

    /** Records a predicted rating against the given one. */
    public void addRating(double predicted, double actual) {
        rating.add(predicted, actual);
    }

    public WindowedBinaryMetrics click() {
        return click;
    }

    public WindowedBinaryMetrics purchase() {
        return purchase;
    }

    public WindowedRegressionMetrics rating() {
        return rating;
    }

    public MetricsSnapshot snapshot() {
        return new MetricsSnapshot(
                click.auc(),
                click.logLoss(),
                click.total(),
                purchase.auc(),
                purchase.logLoss(),
                purchase.total(),
                rating.rmse(),
                rating.total());
    }

    public void writeTo(DataOutput out) throws IOException {
        click.writeTo(out);
        purchase.writeTo(out);
        rating.writeTo(out);
    }

    public static ProgressiveMetrics readFrom(DataInput in) throws IOException {
        return new ProgressiveMetrics(
                WindowedBinaryMetrics.readFrom(in),
                WindowedBinaryMetrics.readFrom(in),
                WindowedRegressionMetrics.readFrom(in));
    }
}
