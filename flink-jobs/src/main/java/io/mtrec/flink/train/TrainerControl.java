package io.mtrec.flink.train;

import java.util.Arrays;
import java.util.Objects;

/**
 * A record on the trainer's broadcast input, which every trainer subtask receives: an item's
 * profile (its text embedding, from {@code mtrec.items}). A Flink POJO, so it needs no Kryo.
 */
public class TrainerControl {
    /** The item whose profile this is. */
    public String itemId;

    /** The item's text embedding; null when the profile has none. */
    public float[] textEmbedding;

    public TrainerControl() {}

    private TrainerControl(String itemId, float[] textEmbedding) {
        this.itemId = itemId;
        this.textEmbedding = textEmbedding;
    }

    /** An item profile update. */
    public static TrainerControl itemProfile(String itemId, float[] textEmbedding) {
        return new TrainerControl(Objects.requireNonNull(itemId, "itemId"), textEmbedding);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrainerControl other
                && Objects.equals(itemId, other.itemId)
                && Arrays.equals(textEmbedding, other.textEmbedding);
    }

    @Override
    public int hashCode() {
        return 31 * Objects.hashCode(itemId) + Arrays.hashCode(textEmbedding);
    }

    @Override
    public String toString() {
        return "TrainerControl[itemId=" + itemId + "]";
    }
}
