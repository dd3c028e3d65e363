package io.mtrec.flink.train;

import io.mtrec.model.Interaction;
import io.mtrec.model.config.ModelConfig;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.Test;

import java.util.HashMap;

import static org.assertj.core.api.Assertions.assertThat;

/** Item profiles on the trainer's broadcast input. */
class TrainerItemProfilesTest {
    private static final int BATCH = 4;
    private static final long TTL_MS = 1_000;
    private static final long T0 = 1_000_000L;
    private static final float[] LAMP_TEXT = {0.5f, -1f, 0.25f, 2f};

    private static TrainerHarness harness() throws Exception {
        HashMap<String, String> model = new HashMap<>(ModelConfig.defaults().toMap());
        model.put("embedding.dim", "8");
        model.put("bottom.hidden", "8");
        model.put("item.text.dim", "4");
        model.put("embedding.ttl.ms", Long.toString(TTL_MS));
        return new TrainerHarness(new TrainerSettings(BATCH, 1_000, 3, 100, 10_000, "test", model));
    }

    /** A full batch in which bob sees {@code item}. */
    private static void batchWith(TrainerHarness h, String item, long time) throws Exception {
        for (int k = 0; k < BATCH; k++) {
            h.processElement(Interaction.impression(item + time + k, "bob", item, time), time);
        }
    }

    @Test
    void aProfileGivesTheItemItsTextBeforeTheItemIsEverSeen() throws Exception {
        try (var h = harness()) {
            h.open();

            h.processElement2(TrainerControl.itemProfile("lamp", LAMP_TEXT), 0);

            assertThat(h.trainer().learner().itemTextEmbedding("lamp")).containsExactly(LAMP_TEXT);
        }
    }

    @Test
    void anItemEvictedByTheTtlGetsItsProfileBackWhenSeenAgainAfterARestore() throws Exception {
        OperatorSubtaskState checkpoint;
        try (var h = harness()) {
            h.open();
            h.processElement2(TrainerControl.itemProfile("lamp", LAMP_TEXT), 0);
            batchWith(h, "lamp", T0);
            // Two batches far past the TTL: the sweep evicts the lamp's row with its text.
            batchWith(h, "mug", T0 + 10 * TTL_MS);
            batchWith(h, "mug", T0 + 20 * TTL_MS);
            assertThat(h.trainer().learner().hasItemRow("lamp")).isFalse();
            checkpoint = h.snapshot(1, 1);
        }
        try (var h = harness()) {
            h.initializeState(checkpoint);
            h.open();

            batchWith(h, "lamp", T0 + 21 * TTL_MS);

            assertThat(h.trainer().learner().itemTextEmbedding("lamp")).containsExactly(LAMP_TEXT);
        }
    }

    @Test
    void profilesAreIgnoredWhenTheModelUsesNoText() throws Exception {
        HashMap<String, String> model = new HashMap<>(ModelConfig.defaults().toMap());
        model.put("embedding.dim", "8");
        model.put("bottom.hidden", "8");
        try (var h =
                new TrainerHarness(
                        new TrainerSettings(BATCH, 1_000, 3, 100, 10_000, "test", model))) {
            h.open();

            h.processElement2(TrainerControl.itemProfile("lamp", LAMP_TEXT), 0);

            assertThat(h.trainer().learner().hasItemRow("lamp")).isFalse();
            assertThat(h.trainer().learner().itemTextEmbedding("lamp")).isNull();
        }
    }
}
