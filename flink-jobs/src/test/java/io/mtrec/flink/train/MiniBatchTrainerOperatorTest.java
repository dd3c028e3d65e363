package io.mtrec.flink.train;

import io.mtrec.flink.sinks.OutboundRecord;
import io.mtrec.model.Interaction;
import io.mtrec.model.MultiTaskLearner;
import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.snapshot.SnapshotChunks;
import io.mtrec.schemas.ModelSnapshotChunk;
import io.mtrec.schemas.UserScores;
import io.mtrec.schemas.serde.AvroSerde;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MiniBatchTrainerOperatorTest {
    private static final int BATCH = 4;
    private static final long TIMEOUT_MS = 1_000;
    private static final long FLUSH_MS = 100;
    private static final long SNAPSHOT_MS = 10_000;

    private static final AvroSerde<UserScores> SCORES = AvroSerde.of(UserScores.class);
    private static final AvroSerde<ModelSnapshotChunk> CHUNKS =
            AvroSerde.of(ModelSnapshotChunk.class);

    private static TrainerHarness harness() throws Exception {
        return harness(false);
    }

    private static TrainerHarness harness(boolean eventTimeOrdering) throws Exception {
        HashMap<String, String> model = new HashMap<>(ModelConfig.defaults().toMap());
        model.put("embedding.dim", "8");
        model.put("bottom.hidden", "8");
        TrainerSettings settings =
                new TrainerSettings(BATCH, TIMEOUT_MS, 3, FLUSH_MS, SNAPSHOT_MS, "test", model);
        return new TrainerHarness(settings.withEventTimeOrdering(eventTimeOrdering));
    }

    private static Interaction event(int n) {
        String user = "u" + (n % 3);
        String item = "i" + (n % 5);
        long time = 1_000_000L + n * 1_000L;
        return n % 2 == 0
                ? Interaction.click("e" + n, user, item, time)
                : Interaction.impression("e" + n, user, item, time);
    }

    private static void feed(TrainerHarness h, int from, int to) throws Exception {
        for (int n = from; n < to; n++) {
            h.processElement(event(n), event(n).eventTime());
        }
    }

    private static List<UserScores> scores(TrainerHarness h) throws Exception {
        List<UserScores> out = new ArrayList<>();
        for (OutboundRecord r : h.extractOutputValues()) {
            out.add(SCORES.deserialize(r.value));
        }
        return out;
    }

    private static List<ModelSnapshotChunk> chunks(TrainerHarness h) throws Exception {
        List<ModelSnapshotChunk> out = new ArrayList<>();
        for (StreamRecord<OutboundRecord> r : h.getSideOutput(MiniBatchTrainerOperator.SNAPSHOTS)) {
            out.add(CHUNKS.deserialize(r.getValue().value));
        }
        return out;
    }

    @Test
    void batchIsTrainedWhenItReachesBatchSize() throws Exception {
        try (var h = harness()) {
            h.open();
            h.setProcessingTime(FLUSH_MS);
            feed(h, 0, BATCH - 1);
            assertThat(scores(h)).isEmpty();

            feed(h, BATCH - 1, BATCH);

            List<UserScores> out = scores(h);
            assertThat(out).extracting(UserScores::getUserId).containsExactly("u0", "u1", "u2");
            assertThat(out).allSatisfy(s -> assertThat(s.getModelVersion()).isEqualTo(1));
            assertThat(out.get(0).getItems()).hasSize(3);
        }
    }

    @Test
    void partialBatchIsTrainedWhenItsTimeoutFires() throws Exception {
        try (var h = harness()) {
            h.open();
            feed(h, 0, 2);
            h.setProcessingTime(TIMEOUT_MS - 1);
            assertThat(scores(h)).isEmpty();

            h.setProcessingTime(TIMEOUT_MS);

            assertThat(scores(h))
                    .extracting(UserScores::getUserId, UserScores::getModelVersion)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple("u0", 1L),
                            org.assertj.core.groups.Tuple.tuple("u1", 1L));
        }
    }

    @Test
    void scoresCarryTheUsersLastEventTime() throws Exception {
        try (var h = harness()) {
            h.open();
            h.setProcessingTime(FLUSH_MS);
            feed(h, 0, BATCH);
            UserScores u0 = scores(h).get(0);
            // u0's events are 0 and 3; event 3 is the later one.
            assertThat(u0.getLastEventTime().toEpochMilli()).isEqualTo(event(3).eventTime());
        }
    }

    @Test
    void usersAreScoredAtMostOncePerFlushInterval() throws Exception {
        try (var h = harness()) {
            h.open();
            h.setProcessingTime(FLUSH_MS);
            feed(h, 0, 3 * BATCH);
            // Three batches within one interval: each user is flushed once, after the first.
            assertThat(scores(h)).hasSize(3);
            h.setProcessingTime(2 * FLUSH_MS);
            List<UserScores> out = scores(h);
            assertThat(out).hasSize(6);
            assertThat(out.subList(3, 6))
                    .allSatisfy(s -> assertThat(s.getModelVersion()).isEqualTo(3));
        }
    }

    @Test
    void snapshotFollowsAFlushAndCarriesItsVersion() throws Exception {
        try (var h = harness()) {
            h.open();
            feed(h, 0, BATCH);
            h.setProcessingTime(SNAPSHOT_MS);

            List<ModelSnapshotChunk> chunks = chunks(h);
            assertThat(chunks).isNotEmpty();
            MultiTaskLearner model =
                    MultiTaskLearner.fromSnapshotBytes(SnapshotChunks.assemble(chunks));
            assertThat(model.version()).isEqualTo(1);
            assertThat(scores(h)).allSatisfy(s -> assertThat(s.getModelVersion()).isEqualTo(1));
            assertThat(model.topK("u0", 3).get(0).itemId())
                    .isEqualTo(scores(h).get(0).getItems().get(0).getItemId());
        }
    }

    @Test
    void idleTrainerHoldsNoTimers() throws Exception {
        try (var h = harness()) {
            h.open();
            feed(h, 0, BATCH);
            assertThat(h.getProcessingTimeService().getNumActiveTimers()).isPositive();
            h.setProcessingTime(FLUSH_MS);
            h.setProcessingTime(SNAPSHOT_MS);
            assertThat(chunks(h)).isNotEmpty();
            assertThat(h.getProcessingTimeService().getNumActiveTimers()).isZero();
        }
    }

    @Test
    void restoreInTheMiddleOfABatchLearnsExactlyWhatAnUninterruptedRunLearns() throws Exception {
        byte[] uninterrupted;
        try (var h = harness()) {
            h.open();
            feed(h, 0, 2 * BATCH + 2);
            h.endInput();
            uninterrupted = SnapshotChunks.assemble(chunks(h));
        }

        OperatorSubtaskState checkpoint;
        try (var h = harness()) {
            h.open();
            feed(h, 0, BATCH + 2);
            checkpoint = h.snapshot(1, 1);
        }
        byte[] restored;
        try (var h = harness()) {
            h.initializeState(checkpoint);
            h.open();
            feed(h, BATCH + 2, 2 * BATCH + 2);
            h.endInput();
            restored = SnapshotChunks.assemble(chunks(h));
        }

        assertThat(MultiTaskLearner.fromSnapshotBytes(restored).version()).isEqualTo(3);
        assertThat(restored).isEqualTo(uninterrupted);
    }

    /** Events 0..n-1 reordered as Kafka might deliver three topics: each slice rotated. */
    private static List<Interaction> interleaved(int n, int rotate) {
        List<Interaction> events = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            events.add(event(k));
        }
        List<Interaction> out = new ArrayList<>();
        for (int from = 0; from < n; from += 5) {
            List<Interaction> slice = new ArrayList<>(events.subList(from, Math.min(n, from + 5)));
            java.util.Collections.rotate(slice, rotate);
            out.addAll(slice);
        }
        return out;
    }

    /**
     * Feeds {@code events} to an event-time trainer with a watermark after every {@code every}
     * events (trailing {@code lag} ms behind the newest), ends the input and returns the final
     * model's bytes.
     */
    private static byte[] eventTimeModel(List<Interaction> events, int every, long lag)
            throws Exception {
        try (var h = harness(true)) {
            h.open();
            long newest = Long.MIN_VALUE;
            for (int k = 0; k < events.size(); k++) {
                Interaction e = events.get(k);
                h.processElement(e, e.eventTime());
                newest = Math.max(newest, e.eventTime());
                if ((k + 1) % every == 0) {
                    h.processWatermark(newest - lag);
                }
            }
            h.endInput();
            return SnapshotChunks.assemble(chunks(h));
        }
    }

    @Test
    void eventTimeOrderingLearnsTheSameModelWhateverTheInterleavingAndWatermarks()
            throws Exception {
        byte[] inOrder = eventTimeModel(interleaved(23, 0), 3, 0);
        byte[] shuffled = eventTimeModel(interleaved(23, 2), 7, 5_000);
        byte[] otherShuffle = eventTimeModel(interleaved(23, 4), 1, 10_000);

        MultiTaskLearner model = MultiTaskLearner.fromSnapshotBytes(inOrder);
        // 23 events in batches of 4: five full batches and the partial one at the end of input.
        assertThat(model.version()).isEqualTo(6);
        assertThat(model.eventsLearned()).isEqualTo(23);
        assertThat(shuffled).isEqualTo(inOrder);
        assertThat(otherShuffle).isEqualTo(inOrder);
    }

    @Test
    void eventTimeOrderingTrainsOnlyEventsTheWatermarkHasPassed() throws Exception {
        try (var h = harness(true)) {
            h.open();
            h.setProcessingTime(FLUSH_MS);
            feed(h, 0, 2 * BATCH);
            h.setProcessingTime(TIMEOUT_MS + FLUSH_MS);
            // No watermark yet: held, however long they wait.
            assertThat(scores(h)).isEmpty();

            // Passes events 0..4: one batch of 4, event 4 waits for three more released ones.
            h.processWatermark(event(4).eventTime());
            h.setProcessingTime(TIMEOUT_MS + 2 * FLUSH_MS);
            assertThat(scores(h))
                    .extracting(UserScores::getModelVersion)
                    .containsOnly(1L)
                    .hasSize(3);

            h.processWatermark(event(2 * BATCH - 1).eventTime());
            h.setProcessingTime(TIMEOUT_MS + 3 * FLUSH_MS);
            assertThat(scores(h).subList(3, scores(h).size()))
                    .extracting(UserScores::getModelVersion)
                    .containsOnly(2L);
        }
    }

    @Test
    void eventTimeCheckpointWithHeldEventsRestoresToTheSameModel() throws Exception {
        List<Interaction> events = interleaved(18, 1);
        byte[] uninterrupted = eventTimeModel(events, 4, 2_000);

        OperatorSubtaskState checkpoint;
        try (var h = harness(true)) {
            h.open();
            long newest = Long.MIN_VALUE;
            for (int k = 0; k < 10; k++) {
                Interaction e = events.get(k);
                h.processElement(e, e.eventTime());
                newest = Math.max(newest, e.eventTime());
                if ((k + 1) % 4 == 0) {
                    h.processWatermark(newest - 2_000);
                }
            }
            checkpoint = h.snapshot(1, 1);
        }
        byte[] restored;
        try (var h = harness(true)) {
            h.initializeState(checkpoint);
            h.open();
            long newest = events.get(9).eventTime();
            for (int k = 10; k < events.size(); k++) {
                Interaction e = events.get(k);
                h.processElement(e, e.eventTime());
                newest = Math.max(newest, e.eventTime());
                if ((k + 1) % 4 == 0) {
                    h.processWatermark(newest - 2_000);
                }
            }
            h.endInput();
            restored = SnapshotChunks.assemble(chunks(h));
        }

        assertThat(restored).isEqualTo(uninterrupted);
    }

    @Test
    void scoresLeaveOutItemsTheUserJustBoughtOrRated() throws Exception {
        try (var h = harness()) {
            h.open();
            h.setProcessingTime(FLUSH_MS);
            long t = 1_000_000L;
            h.processElement(Interaction.click("c0", "ann", "i0", t), t);
            h.processElement(Interaction.click("c1", "ann", "i1", t + 1), t + 1);
            h.processElement(Interaction.click("c2", "bob", "i2", t + 2), t + 2);
            h.processElement(Interaction.click("c3", "bob", "i3", t + 3), t + 3);
            h.processElement(Interaction.click("c4", "bob", "i4", t + 4), t + 4);
            h.processElement(Interaction.purchase("p0", "ann", "i0", t + 5), t + 5);
            h.processElement(Interaction.rating("r1", "ann", "i1", t + 6, 5f), t + 6);
            h.processElement(Interaction.impression("x", "bob", "i0", t + 7), t + 7);

            // Her first record followed the first batch; the one after the purchase and the
            // rating waits for her interval.
            h.setProcessingTime(2 * FLUSH_MS);
            List<UserScores> anns =
                    scores(h).stream().filter(s -> s.getUserId().equals("ann")).toList();
            assertThat(anns).hasSize(2);
            UserScores ann = anns.get(1);
            // Five items, two of them bought or rated by ann: her top 3 are the other three.
            assertThat(ann.getItems())
                    .extracting(item -> item.getItemId())
                    .containsExactlyInAnyOrder("i2", "i3", "i4");
        }
    }

    @Test
    void aUsersRecordFollowsTheirEventAtOnceOrWhenTheirIntervalHasPassed() throws Exception {
        try (var h = harness()) {
            h.open();
            h.setProcessingTime(FLUSH_MS);
            feed(h, 0, BATCH); // u0, u1, u2, never scored: a record each right after the batch
            assertThat(scores(h))
                    .extracting(s -> s.getProducedAt().toEpochMilli())
                    .containsOnly(FLUSH_MS);

            h.setProcessingTime(FLUSH_MS + 30);
            feed(h, BATCH, 2 * BATCH); // scored 30 ms ago: they wait for their interval
            assertThat(scores(h)).hasSize(3);

            h.setProcessingTime(2 * FLUSH_MS);
            List<UserScores> out = scores(h);
            assertThat(out).hasSize(6);
            assertThat(out.subList(3, 6))
                    .allSatisfy(
                            s -> {
                                assertThat(s.getProducedAt().toEpochMilli())
                                        .isEqualTo(2 * FLUSH_MS);
                                assertThat(s.getModelVersion()).isEqualTo(2);
                            });

            h.setProcessingTime(4 * FLUSH_MS);
            feed(h, 2 * BATCH, 3 * BATCH); // an interval since their last record: at once
            assertThat(scores(h).subList(6, 9))
                    .extracting(s -> s.getProducedAt().toEpochMilli())
                    .containsOnly(4 * FLUSH_MS);
        }
    }

    @Test
    void aSnapshotWorseThanTheLastPublishedOneIsHeldBack() throws Exception {
        HashMap<String, String> model = new HashMap<>(ModelConfig.defaults().toMap());
        model.put("embedding.dim", "8");
        model.put("bottom.hidden", "8");
        // The progressive window holds one batch's click predictions: each snapshot is judged on
        // the batch before it.
        model.put("metrics.window", Integer.toString(BATCH));
        TrainerSettings settings =
                new TrainerSettings(BATCH, TIMEOUT_MS, 3, FLUSH_MS, SNAPSHOT_MS, "test", model)
                        .withSnapshotGateTolerance(0.1);
        try (var h = new TrainerHarness(settings)) {
            h.open();
            long t = 1_000_000L;
            // ann clicks i0 and i1 and ignores i2 and i3, three times over: the third batch is
            // predicted right (AUC 1), and that version is published.
            for (int round = 0; round < 3; round++) {
                h.processElement(Interaction.click("a" + round, "ann", "i0", t), t++);
                h.processElement(Interaction.click("b" + round, "ann", "i1", t), t++);
                h.processElement(Interaction.impression("c" + round, "ann", "i2", t), t++);
                h.processElement(Interaction.impression("d" + round, "ann", "i3", t), t++);
            }
            h.setProcessingTime(SNAPSHOT_MS);
            assertThat(chunks(h)).extracting(ModelSnapshotChunk::getVersion).containsOnly(3L);

            // Then she does the opposite: predicted wrong (AUC 0), that version is held back.
            h.processElement(Interaction.impression("e", "ann", "i0", t), t++);
            h.processElement(Interaction.impression("f", "ann", "i1", t), t++);
            h.processElement(Interaction.click("g", "ann", "i2", t), t++);
            h.processElement(Interaction.click("h", "ann", "i3", t), t++);
            h.setProcessingTime(2 * SNAPSHOT_MS);

            assertThat(chunks(h)).extracting(ModelSnapshotChunk::getVersion).containsOnly(3L);
        }
    }
}
