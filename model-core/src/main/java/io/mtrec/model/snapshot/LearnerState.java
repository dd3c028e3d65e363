package io.mtrec.model.snapshot;

import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.metrics.ProgressiveMetrics;
import io.mtrec.model.network.MultiTaskNetwork;
import io.mtrec.model.sampling.NegativeSampler;
import io.mtrec.model.tasks.PendingClicks;

/**
 * Everything a learner is, as the snapshot codec writes and reads it. The components are live,
 * mutable objects: the record only groups them for encoding and restoring.
 *
 * @param config hyper-parameters
 * @param version number of applied batches
 * @param eventClock latest event time seen ({@link Long#MIN_VALUE} before any)
 * @param nanBatchesSkipped batches skipped for a non-finite loss or gradient
 * @param eventsLearned events passed to learn
 * @param lastSweepClock event clock of the last TTL eviction sweep ({@link Long#MIN_VALUE} before
 *     any)
 * @param network embedding tables, bottom layers and heads, with optimizer slots
 * @param pending clicks waiting for their conversion
 * @param sampler the negative sampler, with its generator (and popularity counts)
 * @param metrics progressive-validation windows
 */
public record LearnerState(
        ModelConfig config,
        long version,
        long eventClock,
        long nanBatchesSkipped,
        long eventsLearned,
        long lastSweepClock,
        MultiTaskNetwork network,
        PendingClicks pending,
        NegativeSampler sampler,
        ProgressiveMetrics metrics) {}
