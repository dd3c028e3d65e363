package io.mtrec.schemas;

import org.apache.avro.specific.SpecificRecord;

/** Every topic mtrec reads or writes, with its default name and its value type. */
public enum TopicKind {
    CLICKS("mtrec.clicks", ClickEvent.class, false),
    PURCHASES("mtrec.purchases", PurchaseEvent.class, false),
    RATINGS("mtrec.ratings", RatingEvent.class, false),
    ITEMS("mtrec.items", ItemProfile.class, true),
    SCORES("mtrec.scores", UserScores.class, true),
    SNAPSHOTS("mtrec.snapshots", ModelSnapshotChunk.class, true),
    DEADLETTER("mtrec.deadletter", DeadLetter.class, false),
    /** Parameter deltas between parallel trainers, chunked like snapshots (section "delta"). */
    PARAM_SYNC("mtrec.param-sync", ModelSnapshotChunk.class, false);

    private final String defaultName;
    private final Class<? extends SpecificRecord> valueType;
    private final boolean compacted;

    TopicKind(String defaultName, Class<? extends SpecificRecord> valueType, boolean compacted) {
        this.defaultName = defaultName;
        this.valueType = valueType;
        this.compacted = compacted;
    }

    public String defaultName() {
        return defaultName;
    }

    public Class<? extends SpecificRecord> valueType() {
        return valueType;
    }

    /** Whether the topic keeps only the latest record per key (cleanup.policy=compact). */
    public boolean compacted() {
        return compacted;
    }
}
