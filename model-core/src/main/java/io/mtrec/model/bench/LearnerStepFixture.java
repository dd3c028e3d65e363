package io.mtrec.model.bench;

import io.mtrec.model.BatchResult;
import io.mtrec.model.Interaction;
import io.mtrec.model.MultiTaskLearner;
import io.mtrec.model.config.Architecture;
import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.synthetic.SyntheticConfig;
import io.mtrec.model.synthetic.SyntheticGenerator;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link MultiTaskLearner} warmed up on the planted-truth stream, and the pre-generated batches
 * its timed steps learn from. Plain Java, so tests can run it without JMH.
 *
 * <p>A pool of {@link #POOL_EVENTS} events is generated once from {@code
 * SyntheticGenerator(SyntheticConfig.defaults())} and cut into batches. The learner is warmed up
 * with one pass over the pool, so every user and item row exists before timing starts. Later passes
 * replay the pool with event times shifted by the pool's span per pass: the event clock keeps
 * moving forward, so pending clicks expire as in a live stream instead of piling up (a replay at
 * the original times would never advance the clock past the conversion window). The shifted copy of
 * a batch is built by {@link #nextBatch()}, outside the timed step.
 */
public final class LearnerStepFixture {
    /** Events generated for the pool; a multiple of every benchmarked batch size. */
    public static final int POOL_EVENTS = 65_536;

    private final MultiTaskLearner learner;
    private final List<List<Interaction>> pool;
    private final long span;
    private int cursor;
    private long shift;

    private LearnerStepFixture(MultiTaskLearner learner, List<List<Interaction>> pool, long span) {
        this.learner = learner;
        this.pool = pool;
        this.span = span;
    }

    /**
     * The model configuration of a shared-bottom benchmark point; every other parameter at its
     * default.
     */
    public static ModelConfig modelConfig(int embeddingDim, int negativesPerPositive) {
        return modelConfig(embeddingDim, negativesPerPositive, Architecture.SHARED_BOTTOM);
    }

    /** The model configuration of a benchmark point; every other parameter at its default. */
    public static ModelConfig modelConfig(
            int embeddingDim, int negativesPerPositive, Architecture architecture) {
        return ModelConfig.builder()
                .set(ModelConfig.EMBEDDING_DIM, embeddingDim)
                .set(ModelConfig.NEGATIVES_PER_POSITIVE, negativesPerPositive)
                .set(ModelConfig.ARCHITECTURE, architecture)
                .build();
    }

    /** Generates the pool, builds the learner and warms it up with one pass over the pool. */
    public static LearnerStepFixture create(int batchSize, ModelConfig config) {
        if (batchSize < 1 || POOL_EVENTS % batchSize != 0) {
            throw new IllegalArgumentException(
                    "batchSize must divide " + POOL_EVENTS + ", got " + batchSize);
        }
        SyntheticGenerator generator =
                new SyntheticGenerator(SyntheticConfig.defaults(), config.metricsWindow());
        List<List<Interaction>> pool = new ArrayList<>(POOL_EVENTS / batchSize);
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (int b = 0; b < POOL_EVENTS / batchSize; b++) {
            List<Interaction> batch = new ArrayList<>(batchSize);
            for (int i = 0; i < batchSize; i++) {
                Interaction event = generator.next().interaction();
                first = Math.min(first, event.eventTime());
                last = Math.max(last, event.eventTime());
                batch.add(event);
            }
            pool.add(List.copyOf(batch));
        }
        long span = last - first + generator.config().eventGapMs();
        LearnerStepFixture fixture =
                new LearnerStepFixture(new MultiTaskLearner(config), List.copyOf(pool), span);
        for (int b = 0; b < pool.size(); b++) {
            fixture.learner.learn(fixture.nextBatch());
        }
        return fixture;
    }

    /** The next batch to learn, time-shifted so the replayed stream moves forward. */
    public List<Interaction> nextBatch() {
        if (cursor == pool.size()) {
            cursor = 0;
            shift += span;
        }
        List<Interaction> batch = pool.get(cursor++);
        if (shift == 0) {
            return batch;
        }
        List<Interaction> shifted = new ArrayList<>(batch.size());
        for (Interaction e : batch) {
            shifted.add(
                    new Interaction(
                            e.kind(),
                            e.eventId(),
                            e.userId(),
                            e.itemId(),
                            e.eventTime() + shift,
                            e.value()));
        }
        return shifted;
    }

    /** One training step: what the benchmark times. */
    public BatchResult step(List<Interaction> batch) {
        return learner.learn(batch);
    }

    public MultiTaskLearner learner() {
        return learner;
    }

    /** Batches in the pool. */
    public int poolBatches() {
        return pool.size();
    }
}
