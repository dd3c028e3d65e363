package io.mtrec.model.eval;

import io.mtrec.model.Interaction;
import io.mtrec.model.MultiTaskLearner;
import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.metrics.ProgressiveMetrics;
import io.mtrec.model.sampling.SplitMix64;
import io.mtrec.model.sync.ParameterSync;
import io.mtrec.model.sync.SyncMerge;
import io.mtrec.model.synthetic.SyntheticConfig;
import io.mtrec.model.synthetic.SyntheticGenerator;
import io.mtrec.model.tasks.Task;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Simulates K parallel trainers on the planted-truth stream, without Flink: each event goes to
 * replica {@code hash(userId) mod K}, which owns that user's row, pending clicks and metrics, and
 * learns its own mini-batches; after every {@code syncEvery} batches per replica (every {@code K *
 * syncEvery} batches in all) every replica takes its {@link ParameterSync} delta and then applies
 * the others', as trainers exchanging deltas through the sync topic would. The progressive
 * predictions of all replicas are pooled into one set of figures over the same events a single
 * learner ({@code K = 1}, the same as {@link SyntheticEvaluation}) is measured on. Deterministic:
 * the same configs give the same figures.
 */
public final class ReplicatedSyntheticEvaluation {

    /** The pooled figures, and what the exchange cost. */
    public record Result(
            SyntheticEvaluation.Result figures,
            int replicas,
            int syncEvery,
            long syncRounds,
            long deltaBytes) {

        /** Mean size of one replica's delta, in bytes; 0 without rounds. */
        public double meanDeltaBytes() {
            return syncRounds == 0 ? 0 : deltaBytes / (double) (syncRounds * replicas);
        }
    }

    private final SyntheticConfig synthetic;
    private final ModelConfig model;
    private final int batchSize;
    private final int replicas;
    private final int syncEvery;
    private final SyncMerge merge;

    /**
     * @param replicas K, at least 1
     * @param syncEvery batches each replica learns between two exchanges, at least 1
     * @param merge how replicas merge deltas
     */
    public ReplicatedSyntheticEvaluation(
            SyntheticConfig synthetic,
            ModelConfig model,
            int batchSize,
            int replicas,
            int syncEvery,
            SyncMerge merge) {
        if (batchSize < 1 || replicas < 1 || syncEvery < 1) {
            throw new IllegalArgumentException(
                    "batch size, replicas and sync interval must be >= 1, got "
                            + batchSize
                            + ", "
                            + replicas
                            + " and "
                            + syncEvery);
        }
        this.synthetic = synthetic;
        this.model = model;
        this.batchSize = batchSize;
        this.replicas = replicas;
        this.syncEvery = syncEvery;
        this.merge = merge;
    }

    /** The replica that owns {@code userId} among {@code replicas}. */
    public static int replicaOf(String userId, int replicas) {
        return (int) Math.floorMod(SplitMix64.hash64(userId), (long) replicas);
    }

    /**
     * Streams {@code events} events through K fresh replicas; the figures cover the predictions
     * made over the last {@code tailEvents} events (each replica from its first batch boundary at
     * or after {@code events - tailEvents}), or every prediction when {@code tailEvents} is 0.
     *
     * @throws IllegalArgumentException if {@code tailEvents} is negative or exceeds {@code
     *     metrics.window}
     */
    public Result run(long events, long tailEvents) {
        SyntheticEvaluation.checkTail(tailEvents, model);
        SyntheticGenerator generator = new SyntheticGenerator(synthetic, model.metricsWindow());
        MultiTaskLearner[] learners = new MultiTaskLearner[replicas];
        ParameterSync[] syncs = new ParameterSync[replicas];
        List<List<Interaction>> batches = new ArrayList<>();
        ProgressiveMetrics.Mark[] marks = new ProgressiveMetrics.Mark[replicas];
        for (int r = 0; r < replicas; r++) {
            learners[r] = new MultiTaskLearner(model);
            syncs[r] = replicas > 1 ? new ParameterSync(learners[r], r, replicas, merge) : null;
            batches.add(new ArrayList<>(batchSize));
        }
        long start = System.nanoTime();
        long tailStart = tailEvents > 0 ? Math.max(0, events - tailEvents) : 0;
        ProgressiveMetrics.Mark bayesMark = tailStart == 0 ? generator.bayes().mark() : null;
        if (tailStart == 0) {
            for (int r = 0; r < replicas; r++) {
                marks[r] = learners[r].metricsMark();
            }
        }
        long batchesLearned = 0;
        long rounds = 0;
        long deltaBytes = 0;
        for (long n = 1; n <= events; n++) {
            Interaction event = generator.next().interaction();
            int r = replicaOf(event.userId(), replicas);
            List<Interaction> batch = batches.get(r);
            batch.add(event);
            if (batch.size() < batchSize) {
                continue;
            }
            learners[r].learn(batch);
            batch.clear();
            batchesLearned++;
            if (marks[r] == null && n >= tailStart && n < events) {
                marks[r] = learners[r].metricsMark();
                if (bayesMark == null) {
                    bayesMark = generator.bayes().mark();
                }
            }
            if (replicas > 1 && batchesLearned % ((long) replicas * syncEvery) == 0) {
                deltaBytes += exchange(syncs, rounds);
                rounds++;
            }
        }
        for (int r = 0; r < replicas; r++) {
            if (!batches.get(r).isEmpty()) {
                learners[r].learn(batches.get(r));
                batches.get(r).clear();
            }
        }
        ProgressiveMetrics pooled = new ProgressiveMetrics(replicas * model.metricsWindow());
        long nanBatches = 0;
        for (int r = 0; r < replicas; r++) {
            if (marks[r] != null) {
                learners[r].copyPredictionsSince(marks[r], pooled);
            }
            nanBatches += learners[r].nanBatchesSkipped();
        }
        SyntheticEvaluation.Result figures =
                new SyntheticEvaluation.Result(
                        events,
                        pooled.snapshot(),
                        bayesMark == null
                                ? generator.bayes().snapshot()
                                : generator.bayes().since(bayesMark),
                        nanBatches,
                        (System.nanoTime() - start) / 1e9,
                        Arrays.stream(Task.values())
                                .mapToDouble(learners[0]::taskLogVariance)
                                .toArray());
        return new Result(figures, replicas, syncEvery, rounds, deltaBytes);
    }

    /** One round: every replica takes its delta, then applies the others'; returns their bytes. */
    private static long exchange(ParameterSync[] syncs, long round) {
        byte[][] deltas = new byte[syncs.length][];
        long bytes = 0;
        for (int r = 0; r < syncs.length; r++) {
            deltas[r] = syncs[r].takeDelta(round);
            bytes += deltas[r].length;
        }
        for (int r = 0; r < syncs.length; r++) {
            for (int from = 0; from < syncs.length; from++) {
                if (from != r) {
                    syncs[r].apply(deltas[from]);
                }
            }
        }
        return bytes;
    }
}
