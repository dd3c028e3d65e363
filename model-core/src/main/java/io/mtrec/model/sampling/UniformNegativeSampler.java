package io.mtrec.model.sampling;

import io.mtrec.model.config.NegativeSamplerKind;

/**
 * Draws click negatives uniformly from the item table, never the clicked item itself.
 *
 * <p>The sampler's state is one long ({@link #state()}), saved with the model so a restored learner
 * draws the same items. Its draws need no logQ correction: {@link #logSamplingRatio} is 0.
 */
public final class UniformNegativeSampler implements NegativeSampler {
    private final SplitMix64 rng;

    public UniformNegativeSampler(long state) {
        this.rng = new SplitMix64(state);
    }

    /** Seeds the sampler from the model seed, independently of every other random stream. */
    public static UniformNegativeSampler seeded(long modelSeed) {
        return new UniformNegativeSampler(SplitMix64.derive(modelSeed, "negatives"));
    }

    public long state() {
        return rng.state();
    }

    @Override
    public NegativeSamplerKind kind() {
        return NegativeSamplerKind.UNIFORM;
    }

    @Override
    public long rngState() {
        return rng.state();
    }

    @Override
    public double logSamplingRatio(int positiveRow, int negativeRow) {
        return 0.0;
    }

    @Override
    public void observeClick(int itemRow) {}

    @Override
    public void endBatch(int itemCount) {}

    /**
     * Fills {@code out[0..k)} with item rows drawn uniformly, with replacement, from {@code [0,
     * itemCount)} minus {@code positiveRow}. Returns how many were drawn: {@code k}, or 0 when the
     * table holds no other item.
     */
    @Override
    public int sample(int positiveRow, int itemCount, int k, int[] out) {
        if (positiveRow < 0 || positiveRow >= itemCount) {
            throw new IllegalArgumentException(
                    "positive row " + positiveRow + " outside [0, " + itemCount + ")");
        }
        if (itemCount < 2) {
            return 0;
        }
        for (int i = 0; i < k; i++) {
            int row = rng.nextInt(itemCount - 1);
            out[i] = row >= positiveRow ? row + 1 : row;
        }
        return k;
    }
}
