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

    /** How many predictions of each task had been recorded at one moment. */
    public record Mark(long clicks, long purchases, long ratings) {}

    /** The current totals, to measure a stretch of the stream with {@link #since}. */
    public Mark mark() {
        return new Mark(click.total(), purchase.total(), rating.total());
    }

    /**
     * The figures over the predictions recorded after {@code mark}, e.g. the last 100k events of an
     * evaluation run, instead of over the last {@code window} predictions of each task.
     *
     * @throws IllegalArgumentException if more predictions than the window holds came since
     */
    public MetricsSnapshot since(Mark mark) {
        int clicks = recent(click.total() - mark.clicks(), click.size(), "click");
        int purchases = recent(purchase.total() - mark.purchases(), purchase.size(), "purchase");
        int ratings = recent(rating.total() - mark.ratings(), rating.size(), "rating");
        return new MetricsSnapshot(
                click.auc(clicks),
                click.logLoss(clicks),
                clicks,
                purchase.auc(purchases),
                purchase.logLoss(purchases),
                purchases,
                rating.rmse(ratings),
                ratings);
    }

    /**
     * Records into {@code target} the predictions recorded here after {@code mark}, oldest first
     * per task: pools several learners' progressive predictions (parallel replicas, each scoring
     * its own events) into one set of figures.
     *
     * @throws IllegalArgumentException if more predictions than the window holds came since
     */
    public void copySince(Mark mark, ProgressiveMetrics target) {
        click.copyLastTo(
                recent(click.total() - mark.clicks(), click.size(), "click"), target.click);
        purchase.copyLastTo(
                recent(purchase.total() - mark.purchases(), purchase.size(), "purchase"),
                target.purchase);
        rating.copyLastTo(
                recent(rating.total() - mark.ratings(), rating.size(), "rating"), target.rating);
    }

    private static int recent(long count, int held, String task) {
        if (count < 0 || count > held) {
            throw new IllegalArgumentException(
                    count
                            + " "
                            + task
                            + " predictions since the mark, but the window holds "
                            + held
                            + "; use a larger metrics.window");
        }
        return (int) count;
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
