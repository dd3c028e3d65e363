package io.mtrec.flink.sources;

import io.mtrec.flink.train.TrainerControl;
import io.mtrec.model.MultiTaskLearner;
import io.mtrec.schemas.ItemProfile;
import io.mtrec.schemas.serde.AvroSerde;
import io.mtrec.schemas.serde.RecordDecodingException;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

import java.util.List;

/**
 * Decodes item profiles from {@code mtrec.items} into trainer control records. A record that does
 * not decode, or whose text embedding does not fit the model's {@code item.text.dim}, goes to the
 * {@link DecodeFunction#DEAD_LETTERS} side output with the reason and is counted in {@code
 * mtrec.deadLetters}; processing goes on.
 */
public final class ItemProfileDecodeFunction extends ProcessFunction<RawRecord, TrainerControl> {
    private static final long serialVersionUID = 1L;

    private final int itemTextDim;
    private transient AvroSerde<ItemProfile> serde;
    private transient DeadLetters deadLetters;

    /** Profiles for a model with {@code item.text.dim} = {@code itemTextDim}. */
    public ItemProfileDecodeFunction(int itemTextDim) {
        this.itemTextDim = itemTextDim;
    }

    @Override
    public void open(OpenContext context) {
        serde = AvroSerde.of(ItemProfile.class);
        Counter counter =
                getRuntimeContext().getMetricGroup().addGroup("mtrec").counter("deadLetters");
        deadLetters = new DeadLetters(counter);
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<TrainerControl> out) {
        ItemProfile profile;
        try {
            profile = serde.deserialize(raw.value);
        } catch (RecordDecodingException e) {
            deadLetters.send(raw, e.reason() + ": " + e.getMessage(), ctx);
            return;
        }
        float[] embedding = toArray(profile.getTextEmbedding());
        String reason = MultiTaskLearner.profileRejectReason(itemTextDim, embedding);
        if (reason != null) {
            deadLetters.send(
                    raw, "INVALID: profile of item " + profile.getItemId() + ": " + reason, ctx);
            return;
        }
        out.collect(TrainerControl.itemProfile(profile.getItemId(), embedding));
    }

    private static float[] toArray(List<Float> values) {
        if (values == null) {
            return null;
        }
        float[] array = new float[values.size()];
        for (int k = 0; k < array.length; k++) {
            array[k] = values.get(k);
        }
        return array;
    }
}
