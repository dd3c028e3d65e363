package io.mtrec.model.sampling;

/**
 * Draws click negatives uniformly from the item table, never the clicked item itself.
 *
 * <p>Sampled negatives only train the click head; they are never scored into the progressive
 * metrics, because they are guesses, not observed impressions. The sampler's state is one long
 * ({@link #state()}), saved with the model so a restored learner draws the same items.
 */
public final class UniformNegativeSampler {
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

    /**
     * Fills {@code out[0..k)} with item rows drawn uniformly, with replacement, from {@code [0,
     * itemCount)} minus {@code positiveRow}. Returns how many were drawn: {@code k}, or 0 when the
     * table holds no other item.
     */
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
