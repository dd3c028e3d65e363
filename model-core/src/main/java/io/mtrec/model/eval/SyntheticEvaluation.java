package io.mtrec.model.eval;

import io.mtrec.model.Interaction;
import io.mtrec.model.MultiTaskLearner;
import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.metrics.MetricsSnapshot;
import io.mtrec.model.metrics.ProgressiveMetrics;
import io.mtrec.model.synthetic.SyntheticConfig;
import io.mtrec.model.synthetic.SyntheticGenerator;
import io.mtrec.model.tasks.Task;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Trains a learner on the planted-truth stream, without Flink, and compares its progressive metrics
 * with the Bayes-optimal ones of the same stream. Both sides use windows of the same length, so the
 * last {@code metrics.window} examples of each task are compared.
 */
public final class SyntheticEvaluation {

    /**
     * The figures at the end of a run; {@code taskLogVariances} are the learned {@code s_k} in task
     * order (NaN with static task weights).
     */
    public record Result(
            long events,
            MetricsSnapshot model,
            MetricsSnapshot bayes,
            long nanBatchesSkipped,
            double seconds,
            double[] taskLogVariances) {}

    private final SyntheticConfig synthetic;
    private final ModelConfig model;
    private final int batchSize;

    public SyntheticEvaluation(SyntheticConfig synthetic, ModelConfig model, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        this.synthetic = synthetic;
        this.model = model;
        this.batchSize = batchSize;
    }

    /**
     * Streams {@code events} events through a fresh learner in mini-batches; the figures are over
     * each task's last {@code metrics.window} predictions.
     *
     * @param progress called about every {@code progressEvery} events with the figures so far
     */
    public Result run(long events, long progressEvery, Consumer<Result> progress) {
        return run(events, 0, progressEvery, progress);
    }

    /**
     * Rejects a tail outside {@code [0, metrics.window]}: the window must hold every prediction of
     * the tail (no task records more than one prediction per event).
     */
    static void checkTail(long tailEvents, ModelConfig model) {
        if (tailEvents < 0 || tailEvents > model.metricsWindow()) {
            throw new IllegalArgumentException(
                    "the tail of "
                            + tailEvents
                            + " events must be in [0, metrics.window = "
                            + model.metricsWindow()
                            + "]");
        }
    }

    /**
     * As {@link #run(long, long, Consumer)}, but when {@code tailEvents > 0} the final figures
     * cover only the predictions made over the last {@code tailEvents} events (from the first batch
     * boundary at or after {@code events - tailEvents}), for the model and the Bayes-optimal
     * predictor alike: early mistakes, made before the model had seen the users, do not count.
     *
     * @throws IllegalArgumentException if {@code metrics.window} is smaller than {@code tailEvents}
     *     (no task records more than one prediction per event, so that window always suffices)
     */
    public Result run(long events, long tailEvents, long progressEvery, Consumer<Result> progress) {
        checkTail(tailEvents, model);
        SyntheticGenerator generator = new SyntheticGenerator(synthetic, model.metricsWindow());
        MultiTaskLearner learner = new MultiTaskLearner(model);
        List<Interaction> batch = new ArrayList<>(batchSize);
        long start = System.nanoTime();
        long nextProgress = progressEvery;
        long tailStart = tailEvents > 0 ? Math.max(0, events - tailEvents) : Long.MAX_VALUE;
        ProgressiveMetrics.Mark learnerMark = null;
        ProgressiveMetrics.Mark bayesMark = null;
        if (tailStart == 0) {
            learnerMark = learner.metricsMark();
            bayesMark = generator.bayes().mark();
        }
        for (long n = 1; n <= events; n++) {
            batch.add(generator.next().interaction());
            if (batch.size() == batchSize || n == events) {
                learner.learn(batch);
                batch.clear();
                if (learnerMark == null && n >= tailStart && n < events) {
                    learnerMark = learner.metricsMark();
                    bayesMark = generator.bayes().mark();
                }
            }
            if (progress != null && progressEvery > 0 && n >= nextProgress) {
                progress.accept(result(n, learner, generator, start));
                nextProgress += progressEvery;
            }
        }
        if (learnerMark == null) {
            return result(events, learner, generator, start);
        }
        return result(
                events,
                learner.metricsSince(learnerMark),
                generator.bayes().since(bayesMark),
                learner,
                start);
    }

    private static Result result(
            long events, MultiTaskLearner learner, SyntheticGenerator generator, long start) {
        return result(events, learner.metrics(), generator.bayes().snapshot(), learner, start);
    }

    private static Result result(
            long events,
            MetricsSnapshot model,
            MetricsSnapshot bayes,
            MultiTaskLearner learner,
            long start) {
        return new Result(
                events,
                model,
                bayes,
                learner.nanBatchesSkipped(),
                (System.nanoTime() - start) / 1e9,
                Arrays.stream(Task.values()).mapToDouble(learner::taskLogVariance).toArray());
    }
}
