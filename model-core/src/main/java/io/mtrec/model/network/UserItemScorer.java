package io.mtrec.model.network;

/**
 * Scores one user against many items with a network's current parameters: the heads' outputs
 * without the per-task row biases (click and purchase logits, raw rating).
 *
 * <p>Call {@link #prepare} for the user (again after every training step), then {@link #score} for
 * any number of item runs. Implementations are not thread-safe.
 */
public interface UserItemScorer {

    /** Remembers or folds the user vector {@code u[uOff..uOff+d)}. */
    void prepare(float[] u, int uOff);

    /**
     * Head outputs for the prepared user and the {@code n} item vectors stored contiguously in
     * {@code itemValues} from {@code itemOff}: click and purchase logits and the raw rating.
     */
    void score(
            float[] itemValues,
            int itemOff,
            int n,
            float[] clickLogits,
            float[] purchaseLogits,
            float[] ratings);

    /**
     * The scorer for {@code network}'s architecture: {@link ItemScorer}'s per-user folding for a
     * shared bottom, {@link MmoeItemScorer}'s batched forward pass for MMoE.
     */
    static UserItemScorer forNetwork(MultiTaskNetwork network) {
        return network.mmoe().isPresent() ? new MmoeItemScorer(network) : new ItemScorer(network);
    }
}
