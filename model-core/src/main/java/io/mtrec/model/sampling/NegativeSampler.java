package io.mtrec.model.sampling;

import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.config.NegativeSamplerKind;
import io.mtrec.model.embedding.RowRemapListener;

/**
 * Draws click negatives for a clicked item, never the item itself.
 *
 * <p>Sampled negatives only train the click head; they are never scored into the progressive
 * metrics, because they are guesses, not observed impressions. Lifecycle per batch: {@link #sample}
 * for each click (with {@link #logSamplingRatio} for each negative drawn), {@link #observeClick}
 * for each click, then {@link #endBatch} once, which may refresh the distribution the next batch
 * draws from. Deterministic: the draws are a function of the seed and the calls made.
 */
public interface NegativeSampler extends RowRemapListener {

    NegativeSamplerKind kind();

    /**
     * Fills {@code out[0..k)} with item rows drawn with replacement from the rows other than {@code
     * positiveRow} among {@code [0, itemCount)}. Returns how many were drawn: {@code k}, or fewer
     * when there is no other item to draw.
     */
    int sample(int positiveRow, int itemCount, int k, int[] out);

    /**
     * {@code log(M Q(j))} for a negative {@code negativeRow} drawn for {@code positiveRow}: {@code
     * Q(j)} is the probability the last {@link #sample} call gave it and {@code M} the number of
     * rows it drew from, so a uniform draw gives 0. The logQ correction trains the negative's logit
     * minus this.
     */
    double logSamplingRatio(int positiveRow, int negativeRow);

    /** Counts a click on {@code itemRow}. */
    void observeClick(int itemRow);

    /** Closes a batch after which the table holds {@code itemCount} items. */
    void endBatch(int itemCount);

    /**
     * Says the table holds {@code itemCount} items after rows were created outside a batch (a
     * profile, a parameter delta), so per-row state covers every row; the draws do not change until
     * the next {@link #endBatch}.
     */
    default void itemsAdded(int itemCount) {}

    /**
     * Follows the item rows after an eviction compacted the table; a sampler that keeps state per
     * row must move it with the rows (the default keeps none).
     */
    @Override
    default void rowsRemapped(int[] newRowOfOldRow, int newSize) {}

    /** State of the random generator; the rest of the state is the sampler's own. */
    long rngState();

    /** The fresh sampler a configuration asks for, its generator seeded from the model seed. */
    static NegativeSampler fromConfig(ModelConfig config) {
        long state = SplitMix64.derive(config.seed(), "negatives");
        return switch (config.negativesSampler()) {
            case UNIFORM -> new UniformNegativeSampler(state);
            case POPULARITY -> PopularityNegativeSampler.fresh(config, state);
        };
    }
}
