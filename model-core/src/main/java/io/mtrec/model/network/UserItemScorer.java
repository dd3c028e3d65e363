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

    /** Most users one {@link #prepareUsers} takes; 1 unless the scorer stacks users. */
    default int maxUsers() {
        return 1;
    }

    /**
     * Remembers or folds the user vectors {@code u[offsets[g]..+d)}, {@code g < count}, to score
     * together with {@link #scoreUsers}; {@code count} is at most {@link #maxUsers()}.
     */
    default void prepareUsers(float[] u, int[] offsets, int count) {
        if (count != 1) {
            throw new IllegalArgumentException(
                    "this scorer takes one user at a time, got " + count);
        }
        prepare(u, offsets[0]);
    }

    /**
     * Head outputs of every user of the last {@link #prepareUsers} for the {@code n} item vectors
     * in {@code itemValues} from {@code itemOff}; user {@code g}'s outputs start at {@code g *
     * stride}.
     */
    default void scoreUsers(
            float[] itemValues,
            int itemOff,
            int n,
            float[] clickLogits,
            float[] purchaseLogits,
            float[] ratings,
            int stride) {
        score(itemValues, itemOff, n, clickLogits, purchaseLogits, ratings);
    }

    /**
     * The scorer for {@code network}'s architecture: {@link ItemScorer}'s per-user folding for a
     * shared bottom, {@link MmoeItemScorer}'s batched forward pass for MMoE.
     */
    static UserItemScorer forNetwork(MultiTaskNetwork network) {
        return network.mmoe().isPresent() ? new MmoeItemScorer(network) : new ItemScorer(network);
    }
}
