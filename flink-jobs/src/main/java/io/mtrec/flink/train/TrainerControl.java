package io.mtrec.flink.train;

import java.util.Arrays;
import java.util.Objects;

/**
 * A record on the trainer's broadcast input, which every trainer subtask receives: an item's
 * profile (its text embedding, from {@code mtrec.items}), or one chunk of another trainer's
 * parameter delta (from {@code mtrec.param-sync}, as written there). A Flink POJO, so it needs no
 * Kryo.
 */
public class TrainerControl {
    /** The item whose profile this is. */
    public String itemId;

    /** The item's text embedding; null when the profile has none. */
    public float[] textEmbedding;

    /** A serialised parameter delta chunk; null for a profile. */
    public byte[] syncChunk;

    public TrainerControl() {}

    private TrainerControl(String itemId, float[] textEmbedding, byte[] syncChunk) {
        this.itemId = itemId;
        this.textEmbedding = textEmbedding;
        this.syncChunk = syncChunk;
    }

    /** One chunk of a parameter delta, as read from the param-sync topic. */
    public static TrainerControl paramSyncChunk(byte[] chunk) {
        return new TrainerControl(null, null, Objects.requireNonNull(chunk, "chunk"));
    }

    /** An item profile update. */
    public static TrainerControl itemProfile(String itemId, float[] textEmbedding) {
        return new TrainerControl(Objects.requireNonNull(itemId, "itemId"), textEmbedding, null);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrainerControl other
                && Objects.equals(itemId, other.itemId)
                && Arrays.equals(textEmbedding, other.textEmbedding)
                && Arrays.equals(syncChunk, other.syncChunk);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Objects.hashCode(itemId) + Arrays.hashCode(textEmbedding))
                + Arrays.hashCode(syncChunk);
    }

    @Override
    public String toString() {
        return syncChunk != null
                ? "TrainerControl[syncChunk of " + syncChunk.length + " bytes]"
                : "TrainerControl[itemId=" + itemId + "]";
    }
}
