package io.mtrec.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * One user's learned state as plain values, for a Flink operator's keyed state: the embedding row,
 * its optimizer slots, its per-task biases and their slots, the event time it was last seen and its
 * optimizer step count. Equality compares the arrays' contents.
 *
 * @param userId the user
 * @param values the embedding row ({@code embedding.dim} floats)
 * @param slots the row's optimizer slots ({@code embedding.dim} x slots per value)
 * @param biases per-task row biases (click, purchase, rating)
 * @param biasSlots the biases' optimizer slots
 * @param lastSeen latest event time of the user, or {@link Long#MIN_VALUE}
 * @param steps optimizer updates the row has had (Adam debiases the row's moments by it; 0 for
 *     optimizers that keep no count)
 */
public record UserRowState(
        String userId,
        float[] values,
        float[] slots,
        float[] biases,
        float[] biasSlots,
        long lastSeen,
        long steps) {

    public UserRowState {
        Objects.requireNonNull(userId, "userId");
        values = values.clone();
        slots = slots.clone();
        biases = biases.clone();
        biasSlots = biasSlots.clone();
    }

    @Override
    public float[] values() {
        return values.clone();
    }

    @Override
    public float[] slots() {
        return slots.clone();
    }

    @Override
    public float[] biases() {
        return biases.clone();
    }

    @Override
    public float[] biasSlots() {
        return biasSlots.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UserRowState other
                && userId.equals(other.userId)
                && lastSeen == other.lastSeen
                && steps == other.steps
                && Arrays.equals(values, other.values)
                && Arrays.equals(slots, other.slots)
                && Arrays.equals(biases, other.biases)
                && Arrays.equals(biasSlots, other.biasSlots);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                userId,
                lastSeen,
                steps,
                Arrays.hashCode(values),
                Arrays.hashCode(slots),
                Arrays.hashCode(biases),
                Arrays.hashCode(biasSlots));
    }

    @Override
    public String toString() {
        return "UserRowState[userId="
                + userId
                + ", values="
                + Arrays.toString(values)
                + ", lastSeen="
                + lastSeen
                + "]";
    }
}
