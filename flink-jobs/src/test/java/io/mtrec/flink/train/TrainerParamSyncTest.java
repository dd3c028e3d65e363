package io.mtrec.flink.train;

import io.mtrec.flink.sinks.OutboundRecord;
import io.mtrec.model.Interaction;
import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.sync.SyncMerge;
import io.mtrec.schemas.ModelSnapshotChunk;
import io.mtrec.schemas.serde.AvroSerde;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Two trainers of one job exchanging parameter deltas through their broadcast inputs. */
class TrainerParamSyncTest {
    private static final int BATCH = 4;
    private static final int SYNC_BATCHES = 2;
    private static final long T0 = 1_000_000L;
    private static final AvroSerde<ModelSnapshotChunk> CHUNKS =
            AvroSerde.of(ModelSnapshotChunk.class);

    private static TrainerHarness trainer(int subtask) throws Exception {
        return trainer(subtask, SYNC_BATCHES, 0);
    }

    private static TrainerHarness trainer(int subtask, int syncBatches, int maxLag)
            throws Exception {
        HashMap<String, String> model = new HashMap<>(ModelConfig.defaults().toMap());
        model.put("embedding.dim", "8");
        model.put("bottom.hidden", "8");
        TrainerSettings settings =
                new TrainerSettings(BATCH, 1_000, 3, 100, 10_000, "test", model)
                        .withParamSync(
                                new TrainerSettings.ParamSync(
                                        syncBatches, 3_600_000, SyncMerge.SUM, maxLag));
        return new TrainerHarness(settings, 2, subtask);
    }

    /** A user whose key Flink routes to trainer {@code subtask} of 2. */
    private static String userOf(int subtask) {
        for (int n = 0; ; n++) {
            String user = "user" + n;
            if (KeyGroupRangeAssignment.assignKeyToParallelOperator(user, 128, 2) == subtask) {
                return user;
            }
        }
    }

    /** One full batch of a user of {@code h}'s clicks on items i0..i3 at {@code time}. */
    private static void batch(TrainerHarness h, long time) throws Exception {
        String user = userOf(h.getEnvironment().getTaskInfo().getIndexOfThisSubtask());
        for (int k = 0; k < BATCH; k++) {
            Interaction e =
                    k % 2 == 0
                            ? Interaction.click(user + time + k, user, "i" + k, time)
                            : Interaction.impression(user + time + k, user, "i" + k, time);
            h.processElement(e, time);
        }
    }

    private static List<byte[]> deltaChunks(TrainerHarness h) {
        List<byte[]> chunks = new ArrayList<>();
        var out = h.getSideOutput(MiniBatchTrainerOperator.PARAM_DELTAS);
        if (out != null) {
            for (StreamRecord<OutboundRecord> r : out) {
                chunks.add(r.getValue().value);
            }
        }
        return chunks;
    }

    private static void receive(TrainerHarness h, List<byte[]> chunks) throws Exception {
        for (byte[] chunk : chunks) {
            h.processElement2(TrainerControl.paramSyncChunk(chunk), 0);
        }
    }

    /** What a never-seen user would be offered: depends only on the replicated parameters. */
    private static float probe(TrainerHarness h) {
        return h.trainer().learner().score("probe-user", "i1").click();
    }

    @Test
    void aTrainerPublishesADeltaAfterParamSyncBatchesBatches() throws Exception {
        try (var h = trainer(0)) {
            h.open();
            batch(h, T0);
            assertThat(deltaChunks(h)).isEmpty();

            batch(h, T0 + 1);

            List<byte[]> chunks = deltaChunks(h);
            assertThat(chunks).hasSize(1);
            ModelSnapshotChunk chunk = CHUNKS.deserialize(chunks.get(0));
            assertThat(chunk.getModelId()).isEqualTo("test/sync/0");
            assertThat(chunk.getVersion()).isZero();
            assertThat(chunk.getSection()).isEqualTo(MiniBatchTrainerOperator.DELTA_SECTION);
        }
    }

    @Test
    void anotherTrainersDeltaIsAppliedOnceAndItsReplayIsSkipped() throws Exception {
        try (var sender = trainer(0);
                var receiver = trainer(1)) {
            sender.open();
            receiver.open();
            float before = probe(receiver);
            batch(sender, T0);
            batch(sender, T0 + 1);
            List<byte[]> delta = deltaChunks(sender);
            assertThat(probe(sender)).isNotEqualTo(before);

            receive(receiver, delta);
            float applied = probe(receiver);
            receive(receiver, delta);

            assertThat(applied).isEqualTo(probe(sender));
            assertThat(probe(receiver)).isEqualTo(applied);
        }
    }

    @Test
    void aTrainerAheadOfTheOthersDeltasHoldsItsEventsUntilTheirDeltaArrives() throws Exception {
        try (var fast = trainer(0, 1, 1);
                var slow = trainer(1, 1, 1)) {
            fast.open();
            slow.open();
            batch(fast, T0); // delta 0 published: one ahead of the slow trainer
            batch(slow, T0);
            List<byte[]> fromSlow = deltaChunks(slow);

            batch(fast, T0 + 1);
            assertThat(fast.trainer().learner().version()).isEqualTo(1);

            receive(fast, fromSlow);

            assertThat(fast.trainer().learner().version()).isEqualTo(2);
        }
    }

    @Test
    void anIdleTrainerAnswersADeltaWithOneOfTheSameSequence() throws Exception {
        try (var busy = trainer(0, 1, 1);
                var idle = trainer(1, 1, 1)) {
            busy.open();
            idle.open();
            batch(busy, T0);

            receive(idle, deltaChunks(busy));

            List<byte[]> answer = deltaChunks(idle);
            assertThat(answer).hasSize(1);
            assertThat(CHUNKS.deserialize(answer.get(0)).getVersion()).isZero();
            assertThat(CHUNKS.deserialize(answer.get(0)).getModelId()).isEqualTo("test/sync/1");
        }
    }

    @Test
    void aTrainerIgnoresItsOwnDeltas() throws Exception {
        try (var h = trainer(0)) {
            h.open();
            batch(h, T0);
            batch(h, T0 + 1);
            float trained = probe(h);

            receive(h, deltaChunks(h));

            assertThat(probe(h)).isEqualTo(trained);
        }
    }

    @Test
    void aRestoredTrainerRemembersWhichDeltasItApplied() throws Exception {
        List<byte[]> delta;
        try (var sender = trainer(0)) {
            sender.open();
            batch(sender, T0);
            batch(sender, T0 + 1);
            delta = deltaChunks(sender);
        }
        OperatorSubtaskState checkpoint;
        float applied;
        try (var receiver = trainer(1)) {
            receiver.open();
            receive(receiver, delta);
            applied = probe(receiver);
            checkpoint = receiver.snapshot(1, 1);
        }
        try (var restored = trainer(1)) {
            restored.initializeState(checkpoint);
            restored.open();
            assertThat(probe(restored)).isEqualTo(applied);

            receive(restored, delta); // replayed from the topic after the restore

            assertThat(probe(restored)).isEqualTo(applied);
        }
    }
}
