package io.mtrec.flink.train;

import io.mtrec.flink.sinks.OutboundRecord;
import io.mtrec.model.Interaction;
import io.mtrec.model.MultiTaskLearner;
import io.mtrec.model.UserRowState;
import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.snapshot.SnapshotChunks;
import io.mtrec.schemas.ModelSnapshotChunk;
import io.mtrec.schemas.serde.AvroSerde;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The trainer's per-user keyed state, on the heap and the RocksDB state backend alike: rows, held
 * clicks with their timers, recent items, ledgers, and the state TTL. Most tests write every
 * batch's users back after the batch ({@code trainer.resident.users} 0), so that keyed state can be
 * read between batches; the residency tests use the default.
 */
class TrainerKeyedStateTest {
    private static final int BATCH = 4;
    private static final long WINDOW_MS = 10_000;
    private static final long T0 = 1_000_000L;

    private static final AvroSerde<ModelSnapshotChunk> CHUNKS =
            AvroSerde.of(ModelSnapshotChunk.class);

    private static TrainerHarness harness(String backend, long ttlMs) throws Exception {
        return harness(backend, ttlMs, 0);
    }

    private static TrainerHarness harness(String backend, long ttlMs, int residentUsers)
            throws Exception {
        HashMap<String, String> model = new HashMap<>(ModelConfig.defaults().toMap());
        model.put("embedding.dim", "8");
        model.put("bottom.hidden", "8");
        model.put("conversion.window.ms", Long.toString(WINDOW_MS));
        TrainerSettings settings =
                new TrainerSettings(BATCH, 1_000, 3, 100, 10_000, "test", model)
                        .withUserStateTtlMs(ttlMs)
                        .withResidentUsers(residentUsers);
        var h = new TrainerHarness(settings);
        h.setStateBackend(stateBackend(backend));
        return h;
    }

    private static StateBackend stateBackend(String name) {
        return switch (name) {
            case "hashmap" -> new HashMapStateBackend();
            case "rocksdb" -> new EmbeddedRocksDBStateBackend();
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static MiniBatchTrainerOperator trainer(TrainerHarness h) {
        return h.trainer();
    }

    private static void send(TrainerHarness h, Interaction... events) throws Exception {
        for (Interaction e : events) {
            h.processElement(e, e.eventTime());
        }
    }

    /** {@code n} impressions by bob at {@code time}: they move the event clock, not ann. */
    private static Interaction[] bobEvents(String tag, long time, int n) {
        Interaction[] events = new Interaction[n];
        for (int k = 0; k < n; k++) {
            events[k] = Interaction.impression(tag + k, "bob", "i" + k, time);
        }
        return events;
    }

    /** A full batch of impressions by bob at {@code time}. */
    private static Interaction[] bobBatch(String tag, long time) {
        return bobEvents(tag, time, BATCH);
    }

    private static byte[] lastSnapshot(TrainerHarness h) throws Exception {
        List<ModelSnapshotChunk> chunks = new ArrayList<>();
        for (StreamRecord<OutboundRecord> r : h.getSideOutput(MiniBatchTrainerOperator.SNAPSHOTS)) {
            chunks.add(CHUNKS.deserialize(r.getValue().value));
        }
        long last = chunks.get(chunks.size() - 1).getVersion();
        return SnapshotChunks.assemble(
                chunks.stream().filter(c -> c.getVersion() == last).toList());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void afterABatchEachUsersStateIsInKeyedStateAndTheLearnerHoldsNoUser(String backend)
            throws Exception {
        try (var h = harness(backend, 0)) {
            h.open();
            send(
                    h,
                    Interaction.click("e1", "ann", "lamp", T0),
                    Interaction.purchase("e2", "ann", "mug", T0 + 1),
                    Interaction.rating("e3", "ann", "book", T0 + 2, 4f),
                    Interaction.impression("e4", "bob", "lamp", T0 + 3));

            MiniBatchTrainerOperator trainer = trainer(h);
            assertThat(trainer.learner().version()).isEqualTo(1);
            assertThat(trainer.learner().userCount()).isZero();
            assertThat(trainer.learner().pendingClicks()).isZero();
            UserRowState ann = trainer.storedRow("ann");
            assertThat(ann.values()).hasSize(8);
            assertThat(ann.lastSeen()).isEqualTo(T0 + 2);
            assertThat(trainer.storedRow("bob").lastSeen()).isEqualTo(T0 + 3);
            assertThat(trainer.storedClicks("ann"))
                    .singleElement()
                    .satisfies(
                            c -> {
                                assertThat(c.itemId()).isEqualTo("lamp");
                                assertThat(c.eventTime()).isEqualTo(T0);
                                assertThat(c.purchasePrediction()).isBetween(0f, 1f);
                            });
            assertThat(trainer.storedClicks("bob")).isEmpty();
            assertThat(trainer.storedRecentItems("ann")).containsExactly("mug", "book");
            assertThat(trainer.storedLedger("ann"))
                    .isEqualTo(LearnedLedger.of(List.of("e1", "e2", "e3")));
            assertThat(trainer.storedLedger("bob")).isEqualTo(LearnedLedger.of(List.of("e4")));
            assertThat(h.numEventTimeTimers()).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void clicksOfLaterBatchesAreHeldAfterEarlierOnesInArrivalOrder(String backend)
            throws Exception {
        try (var h = harness(backend, 0)) {
            h.open();
            send(h, Interaction.click("a1", "ann", "lamp", T0));
            send(h, bobEvents("b", T0, BATCH - 1));
            send(h, Interaction.click("a2", "ann", "mug", T0 + 5));
            send(h, bobEvents("c", T0 + 5, BATCH - 1));

            assertThat(trainer(h).storedClicks("ann"))
                    .extracting(c -> c.itemId())
                    .containsExactly("lamp", "mug");
            assertThat(h.numEventTimeTimers()).isEqualTo(1); // one per user, not per click
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void aUsersOneClickTimerMovesToTheNextExpiryWhenTheFirstClickExpires(String backend)
            throws Exception {
        try (var h = harness(backend, 0)) {
            h.open();
            send(h, Interaction.click("a1", "ann", "lamp", T0));
            send(h, bobEvents("b", T0, BATCH - 1));
            send(h, Interaction.click("a2", "ann", "mug", T0 + 5_000));
            send(h, bobEvents("c", T0 + 5_000, BATCH - 1));
            // The clock passes lamp's window, not mug's; lamp expires at the next batch.
            send(h, bobBatch("d", T0 + WINDOW_MS + 1));
            assertThat(trainer(h).storedClicks("ann")).hasSize(2);

            send(h, bobBatch("e", T0 + WINDOW_MS + 2));

            assertThat(trainer(h).storedClicks("ann"))
                    .extracting(c -> c.itemId())
                    .containsExactly("mug");
            assertThat(h.numEventTimeTimers()).isEqualTo(1);
            assertThat(trainer(h).learner().metrics().purchaseCount()).isEqualTo(1);

            send(h, bobBatch("f", T0 + 5_000 + WINDOW_MS + 1));
            send(h, bobBatch("g", T0 + 5_000 + WINDOW_MS + 2));

            assertThat(trainer(h).storedClicks("ann")).isEmpty();
            assertThat(h.numEventTimeTimers()).isZero();
            assertThat(trainer(h).learner().metrics().purchaseCount()).isEqualTo(2);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void aTimerLeftAtAClaimedClicksExpiryFiresEarlyAndTheNextClickStillExpiresOnTime(String backend)
            throws Exception {
        try (var h = harness(backend, 0, 100)) {
            h.open();
            send(h, Interaction.click("a1", "ann", "lamp", T0));
            send(h, Interaction.click("a2", "ann", "mug", T0 + 5_000));
            send(h, bobEvents("b", T0 + 5_000, BATCH - 2));
            h.snapshot(1, 1); // both clicks in keyed state, the timer at lamp's expiry
            send(h, Interaction.purchase("a3", "ann", "lamp", T0 + 6_000));
            send(h, bobEvents("c", T0 + 6_000, BATCH - 1));
            h.snapshot(2, 2); // the timer stays at lamp's expiry: early for mug
            assertThat(trainer(h).storedClicks("ann"))
                    .extracting(c -> c.itemId())
                    .containsExactly("mug");
            assertThat(h.numEventTimeTimers()).isEqualTo(1);
            assertThat(trainer(h).learner().metrics().purchaseCount()).isEqualTo(1);

            // Past lamp's window, not mug's: the timer fires early and nothing expires.
            send(h, bobBatch("d", T0 + WINDOW_MS + 1));
            send(h, bobBatch("e", T0 + WINDOW_MS + 2));
            h.snapshot(3, 3);
            assertThat(trainer(h).storedClicks("ann"))
                    .extracting(c -> c.itemId())
                    .containsExactly("mug");
            assertThat(h.numEventTimeTimers()).isEqualTo(1);
            assertThat(trainer(h).learner().metrics().purchaseCount()).isEqualTo(1);

            send(h, bobBatch("f", T0 + 5_000 + WINDOW_MS + 1));
            send(h, bobBatch("g", T0 + 5_000 + WINDOW_MS + 2));
            h.snapshot(4, 4);
            assertThat(trainer(h).storedClicks("ann")).isEmpty();
            assertThat(h.numEventTimeTimers()).isZero();
            assertThat(trainer(h).learner().metrics().purchaseCount()).isEqualTo(2);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void aHeldClickBecomesAPurchaseNegativeAfterTheWindowAndItsTimerIsGone(String backend)
            throws Exception {
        try (var h = harness(backend, 0)) {
            h.open();
            send(h, Interaction.click("a1", "ann", "lamp", T0));
            send(h, bobEvents("b", T0 + 1, BATCH - 1));
            assertThat(trainer(h).storedClicks("ann")).hasSize(1);
            // The clock passes the window with this batch; the click expires at the next one.
            send(h, bobBatch("c", T0 + WINDOW_MS + 1));
            UserRowState before = trainer(h).storedRow("ann");
            assertThat(trainer(h).storedClicks("ann")).hasSize(1);
            assertThat(h.numEventTimeTimers()).isEqualTo(1);

            send(h, bobBatch("d", T0 + WINDOW_MS + 2));

            MiniBatchTrainerOperator trainer = trainer(h);
            assertThat(trainer.storedClicks("ann")).isEmpty();
            assertThat(h.numEventTimeTimers()).isZero();
            // ann had no event in that batch, yet her row learned the purchase negative.
            assertThat(trainer.storedRow("ann").values()).isNotEqualTo(before.values());
            assertThat(trainer.storedLedger("ann")).isEqualTo(LearnedLedger.of(List.of("a1")));
            assertThat(trainer.learner().metrics().purchaseCount()).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void aPurchaseInsideTheWindowClaimsTheHeldClickAndDeletesItsTimer(String backend)
            throws Exception {
        try (var h = harness(backend, 0)) {
            h.open();
            send(h, Interaction.click("a1", "ann", "lamp", T0));
            send(h, bobEvents("b", T0 + 1, BATCH - 1));
            assertThat(h.numEventTimeTimers()).isEqualTo(1);

            send(h, Interaction.purchase("a2", "ann", "lamp", T0 + WINDOW_MS / 2));
            send(h, bobEvents("c", T0 + WINDOW_MS / 2, BATCH - 1));

            MiniBatchTrainerOperator trainer = trainer(h);
            assertThat(trainer.storedClicks("ann")).isEmpty();
            assertThat(h.numEventTimeTimers()).isZero();
            assertThat(trainer.learner().metrics().purchaseCount()).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void aUsersStateIsDroppedOnceTheTtlHasPassedSinceItsLastWrite(String backend) throws Exception {
        try (var h = harness(backend, 60_000)) {
            h.open();
            h.setStateTtlProcessingTime(0);
            send(h, bobBatch("b", T0));
            h.setStateTtlProcessingTime(50_000);
            send(h, bobBatch("c", T0 + 1)); // bob again: his state is written anew
            send(
                    h,
                    Interaction.impression("a1", "ann", "i0", T0 + 2),
                    Interaction.impression("a2", "ann", "i1", T0 + 2),
                    Interaction.impression("a3", "ann", "i2", T0 + 2),
                    Interaction.impression("a4", "ann", "i3", T0 + 2));
            MiniBatchTrainerOperator trainer = trainer(h);

            // A TTL after bob's first write, but not after his last one: all still there.
            h.setStateTtlProcessingTime(60_000);
            assertThat(trainer.storedLedger("bob").events()).isEqualTo(2L * BATCH);
            assertThat(trainer.storedRow("ann")).isNotNull();

            h.setStateTtlProcessingTime(50_000 + 60_000);

            assertThat(trainer.storedRow("bob")).isNull();
            assertThat(trainer.storedLedger("bob")).isNull();
            assertThat(trainer.storedRow("ann")).isNull();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void aPublishedSnapshotHoldsEveryUserRowFromKeyedState(String backend) throws Exception {
        try (var h = harness(backend, 0)) {
            h.open();
            send(h, bobBatch("b", T0));
            send(
                    h,
                    Interaction.click("a1", "ann", "i0", T0 + 1),
                    Interaction.impression("a2", "ann", "i1", T0 + 1),
                    Interaction.click("c1", "cat", "i2", T0 + 1),
                    Interaction.impression("c2", "cat", "i3", T0 + 1));
            h.endInput();

            MultiTaskLearner published = MultiTaskLearner.fromSnapshotBytes(lastSnapshot(h));
            MiniBatchTrainerOperator trainer = trainer(h);
            assertThat(published.userCount()).isEqualTo(3);
            for (String user : List.of("ann", "bob", "cat")) {
                assertThat(published.exportUser(user)).isEqualTo(trainer.storedRow(user));
            }
            assertThat(trainer.learner().userCount()).isZero();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void keyedStateAndHeldClickTimersSurviveACheckpointRestore(String backend) throws Exception {
        Interaction[] first = {
            Interaction.click("a1", "ann", "lamp", T0),
            Interaction.purchase("a2", "ann", "mug", T0 + 1),
            Interaction.impression("b1", "bob", "lamp", T0 + 2),
            Interaction.click("b2", "bob", "mug", T0 + 3),
            Interaction.click("a3", "ann", "cup", T0 + 4)
        };
        Interaction[] rest = bobBatch("c", T0 + WINDOW_MS + 10);

        byte[] uninterrupted;
        try (var h = harness(backend, 0)) {
            h.open();
            send(h, first);
            send(h, rest);
            send(h, bobBatch("d", T0 + WINDOW_MS + 11));
            h.endInput();
            uninterrupted = lastSnapshot(h);
        }

        OperatorSubtaskState checkpoint;
        try (var h = harness(backend, 0)) {
            h.open();
            send(h, first); // one batch and one held event
            checkpoint = h.snapshot(1, 1);
        }
        try (var h = harness(backend, 0)) {
            h.initializeState(checkpoint);
            h.open();
            MiniBatchTrainerOperator trainer = trainer(h);
            assertThat(trainer.storedClicks("ann")).extracting(c -> c.itemId()).contains("lamp");
            assertThat(h.numEventTimeTimers()).isEqualTo(2);
            send(h, rest);
            send(h, bobBatch("d", T0 + WINDOW_MS + 11));
            h.endInput();

            assertThat(lastSnapshot(h)).isEqualTo(uninterrupted);
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void aCheckpointWritesResidentsBackAndTheNextForgetsThoseIdleSinceThen(String backend)
            throws Exception {
        try (var h = harness(backend, 0, 100)) {
            h.open();
            send(
                    h,
                    Interaction.click("e1", "ann", "lamp", T0),
                    Interaction.purchase("e2", "ann", "mug", T0 + 1),
                    Interaction.rating("e3", "ann", "book", T0 + 2, 4f),
                    Interaction.impression("e4", "bob", "lamp", T0 + 3));
            MiniBatchTrainerOperator trainer = trainer(h);
            UserRowState annInLearner = trainer.learner().exportUser("ann");

            assertThat(trainer.learner().userCount()).isEqualTo(2);
            assertThat(trainer.learner().pendingClicks()).isEqualTo(1);
            assertThat(trainer.storedRow("ann")).isNull();
            assertThat(trainer.storedLedger("ann")).isNull();
            assertThat(h.numEventTimeTimers()).isZero();

            h.snapshot(1, 1);

            assertThat(trainer.learner().userCount()).isEqualTo(2);
            assertThat(trainer.learner().pendingClicks()).isEqualTo(1);
            assertThat(trainer.storedRow("ann")).isEqualTo(annInLearner);
            assertThat(trainer.storedClicks("ann"))
                    .extracting(c -> c.itemId())
                    .containsExactly("lamp");
            assertThat(trainer.storedRecentItems("ann")).containsExactly("mug", "book");
            assertThat(trainer.storedLedger("ann"))
                    .isEqualTo(LearnedLedger.of(List.of("e1", "e2", "e3")));
            assertThat(trainer.storedLedger("bob")).isEqualTo(LearnedLedger.of(List.of("e4")));
            assertThat(h.numEventTimeTimers()).isEqualTo(1);

            send(h, Interaction.click("e5", "bob", "mug", T0 + 4));
            send(h, bobEvents("f", T0 + 5, BATCH - 1));
            h.snapshot(2, 2);

            assertThat(trainer.learner().hasUserRow("ann")).as("idle since checkpoint 1").isFalse();
            assertThat(trainer.learner().hasUserRow("bob")).isTrue();
            assertThat(trainer.learner().exportPendingClicks("bob"))
                    .extracting(c -> c.itemId())
                    .containsExactly("mug");
            assertThat(trainer.learner().pendingClicks()).isEqualTo(1);
            assertThat(trainer.storedClicks("ann"))
                    .extracting(c -> c.itemId())
                    .containsExactly("lamp");
            assertThat(trainer.storedClicks("bob"))
                    .extracting(c -> c.itemId())
                    .containsExactly("mug");
            assertThat(h.numEventTimeTimers()).isEqualTo(2);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void moreResidentUsersThanTheLimitAreWrittenBackAfterTheBatch(String backend) throws Exception {
        try (var h = harness(backend, 0, 2)) {
            h.open();
            send(h, Interaction.click("a1", "ann", "lamp", T0));
            send(h, bobEvents("b", T0 + 1, BATCH - 1));
            MiniBatchTrainerOperator trainer = trainer(h);
            assertThat(trainer.learner().userCount()).isEqualTo(2);
            assertThat(trainer.storedRow("ann")).isNull();

            send(
                    h,
                    Interaction.impression("c1", "cat", "lamp", T0 + 2),
                    Interaction.impression("a2", "ann", "mug", T0 + 2),
                    Interaction.impression("c2", "cat", "mug", T0 + 2),
                    Interaction.impression("c3", "cat", "cup", T0 + 2));

            assertThat(trainer.learner().userCount()).isZero();
            assertThat(trainer.storedLedger("ann"))
                    .isEqualTo(LearnedLedger.of(List.of("a1", "a2")));
            assertThat(trainer.storedLedger("cat").events()).isEqualTo(3);
            assertThat(trainer.storedClicks("ann")).hasSize(1);
            assertThat(h.numEventTimeTimers()).isEqualTo(1);
        }
    }

    /**
     * Four users clicking, buying (inside and after the window), rating and seeing items over 21
     * batches: clicks expire while their user is resident, after a write-back, and in a mix of
     * both.
     */
    private static List<Interaction> mixedStream() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        String[] users = {"ann", "bob", "cat", "dan"};
        List<Interaction> events = new ArrayList<>();
        for (int k = 0; k < 21 * BATCH; k++) {
            String user = users[random.nextInt(users.length)];
            String item = "i" + random.nextInt(5);
            long time = T0 + k * 700L;
            String id = "e" + k;
            int kind = random.nextInt(10);
            events.add(
                    kind < 4
                            ? Interaction.impression(id, user, item, time)
                            : kind < 7
                                    ? Interaction.click(id, user, item, time)
                                    : kind < 9
                                            ? Interaction.purchase(id, user, item, time)
                                            : Interaction.rating(
                                                    id, user, item, time, 1f + kind % 5));
        }
        return events;
    }

    /**
     * The final published snapshot after {@link #mixedStream}, with a checkpoint after every {@code
     * checkpointEvery} events (0: none).
     */
    private static byte[] learnMixedStream(String backend, int residentUsers, int checkpointEvery)
            throws Exception {
        try (var h = harness(backend, 0, residentUsers)) {
            h.open();
            List<Interaction> events = mixedStream();
            for (int k = 0; k < events.size(); k++) {
                send(h, events.get(k));
                if (checkpointEvery > 0 && (k + 1) % checkpointEvery == 0) {
                    h.snapshot(k, k);
                }
            }
            h.endInput();
            assertThat(trainer(h).storedLedger("ann"))
                    .isEqualTo(
                            LearnedLedger.of(
                                    events.stream()
                                            .filter(e -> e.userId().equals("ann"))
                                            .map(Interaction::eventId)
                                            .toList()));
            return lastSnapshot(h);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void whetherUsersStayResidentChangesNothingThatIsLearned(String backend) throws Exception {
        byte[] writtenBackEveryBatch = learnMixedStream(backend, 0, 0);

        assertThat(learnMixedStream(backend, 100, 0)).isEqualTo(writtenBackEveryBatch);
        assertThat(learnMixedStream(backend, 100, 7)).isEqualTo(writtenBackEveryBatch);
        assertThat(learnMixedStream(backend, 2, 0)).isEqualTo(writtenBackEveryBatch);
        MultiTaskLearner model = MultiTaskLearner.fromSnapshotBytes(writtenBackEveryBatch);
        assertThat(model.metrics().purchaseCount()).isGreaterThan(10);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void aSnapshotPublishedWhileUsersAreResidentHoldsTheirRowsAsLearned(String backend)
            throws Exception {
        byte[] writtenBackEveryBatch = snapshotHalfway(backend, 0);

        assertThat(snapshotHalfway(backend, 100)).isEqualTo(writtenBackEveryBatch);
    }

    /** The snapshot published when the snapshot interval passes halfway through the stream. */
    private static byte[] snapshotHalfway(String backend, int residentUsers) throws Exception {
        try (var h = harness(backend, 0, residentUsers)) {
            h.open();
            List<Interaction> events = mixedStream();
            for (Interaction e : events.subList(0, events.size() / 2)) {
                send(h, e);
            }
            MiniBatchTrainerOperator trainer = trainer(h);
            if (residentUsers > 0) {
                assertThat(trainer.learner().userCount()).isGreaterThan(1);
                assertThat(trainer.storedRow("ann")).as("nothing written back yet").isNull();
            }
            assertThat(h.getSideOutput(MiniBatchTrainerOperator.SNAPSHOTS)).isNull();

            h.setProcessingTime(10_001); // the snapshot interval

            assertThat(h.getSideOutput(MiniBatchTrainerOperator.SNAPSHOTS)).isNotEmpty();
            return lastSnapshot(h);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void aRestoreFromACheckpointTakenWhileUsersWereResidentContinuesUnchanged(String backend)
            throws Exception {
        byte[] uninterrupted = learnMixedStream(backend, 100, 0);
        List<Interaction> events = mixedStream();
        int half = events.size() / 2 + 1; // a partial batch is pending
        OperatorSubtaskState checkpoint;
        try (var h = harness(backend, 0, 100)) {
            h.open();
            for (Interaction e : events.subList(0, half)) {
                send(h, e);
            }
            checkpoint = h.snapshot(1, 1);
        }
        try (var h = harness(backend, 0, 100)) {
            h.initializeState(checkpoint);
            h.open();
            for (Interaction e : events.subList(half, events.size())) {
                send(h, e);
            }
            h.endInput();

            assertThat(lastSnapshot(h)).isEqualTo(uninterrupted);
        }
    }
}
