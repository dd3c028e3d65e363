package io.mtrec.model.sync;

import io.mtrec.model.Interaction;
import io.mtrec.model.MultiTaskLearner;
import io.mtrec.model.UserRowState;
import io.mtrec.model.config.Architecture;
import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.config.TaskWeighting;
import io.mtrec.model.embedding.EmbeddingTable;
import io.mtrec.model.optim.DenseParam;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static io.mtrec.model.Interaction.click;
import static io.mtrec.model.Interaction.impression;
import static io.mtrec.model.Interaction.purchase;
import static io.mtrec.model.Interaction.rating;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Delta exchange between replicas: round trips, composition, restore, eviction and validation. */
class ParameterSyncTest {

    /** Every kind of replicated dense parameter: MMoE, learned task weights, a text projection. */
    private static ModelConfig rich() {
        return ModelConfig.builder()
                .embeddingDim(8)
                .bottomHidden(8)
                .architecture(Architecture.MMOE)
                .taskWeighting(TaskWeighting.UNCERTAINTY)
                .itemTextDim(3)
                .metricsWindow(1_000)
                .conversionWindowMs(1_000)
                .seed(11)
                .build();
    }

    /** Admission on: both tables have a cold row, which is replicated too. */
    private static ModelConfig withColdRows() {
        return ModelConfig.builder()
                .embeddingDim(8)
                .bottomHidden(8)
                .admissionMinCount(2)
                .metricsWindow(1_000)
                .conversionWindowMs(1_000)
                .seed(11)
                .build();
    }

    static Stream<ModelConfig> configs() {
        return Stream.of(rich(), withColdRows());
    }

    /** A batch of every event kind over users {@code prefix + 0..3} and the given items. */
    private static List<Interaction> batch(String prefix, long time, String... items) {
        List<Interaction> events = new ArrayList<>();
        int n = 0;
        for (int u = 0; u < 4; u++) {
            String user = prefix + u;
            for (String item : items) {
                String id = prefix + "-" + time + "-" + n++;
                long t = time + n;
                switch (n % 4) {
                    case 0 -> events.add(impression(id, user, item, t));
                    case 1 -> events.add(click(id, user, item, t));
                    case 2 -> events.add(purchase(id, user, item, t));
                    default -> events.add(rating(id, user, item, t, 1 + n % 5));
                }
            }
        }
        return events;
    }

    /**
     * Every replicated value as raw float bits, keyed by parameter name or item id (so row order
     * does not matter): dense parameters, item rows with biases, the cold rows.
     */
    private static Map<String, int[]> replicated(MultiTaskLearner learner) {
        Map<String, int[]> out = new TreeMap<>();
        for (DenseParam p : learner.network().denseParams()) {
            out.put("dense:" + p.name(), bits(p.values(), 0, p.size()));
        }
        EmbeddingTable items = learner.network().items();
        int d = items.dim();
        int b = items.biasWidth();
        for (int row = 0; row < items.size(); row++) {
            String key = row == items.coldRow() ? "item-cold" : "item:" + items.id(row);
            out.put(
                    key,
                    concat(bits(items.values(), row * d, d), bits(items.biases(), row * b, b)));
        }
        EmbeddingTable users = learner.network().users();
        if (users.coldRow() >= 0) {
            int row = users.coldRow();
            out.put(
                    "user-cold",
                    concat(bits(users.values(), row * d, d), bits(users.biases(), row * b, b)));
        }
        return out;
    }

    private static int[] bits(float[] a, int off, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = Float.floatToRawIntBits(a[off + i]);
        }
        return out;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static void assertSameBits(Map<String, int[]> actual, Map<String, int[]> expected) {
        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
        for (String key : expected.keySet()) {
            assertThat(actual.get(key)).as(key).containsExactly(expected.get(key));
        }
    }

    @ParameterizedTest
    @MethodSource("configs")
    void anAppliedDeltaMakesTheReceiverEqualBitForBitAndLeavesItsUsersAlone(ModelConfig config) {
        MultiTaskLearner a = new MultiTaskLearner(config);
        MultiTaskLearner b = new MultiTaskLearner(config);
        ParameterSync syncA = new ParameterSync(a, 0, 2);
        ParameterSync syncB = new ParameterSync(b, 1, 2);
        UserRowState bob =
                new UserRowState(
                        "bob",
                        new float[] {1, 2, 3, 4, 5, 6, 7, 8},
                        new float[8],
                        new float[] {0.5f, -0.5f, 0.25f},
                        new float[3],
                        1_000L,
                        0L);
        b.importUser(bob);

        a.learn(batch("a", 1_000, "i1", "i2", "i3"));
        a.learn(batch("a", 2_000, "i2", "i4"));
        assertThat(syncB.apply(syncA.takeDelta(0))).isTrue();

        assertSameBits(replicated(b), replicated(a));
        assertThat(b.exportUser("bob")).usingRecursiveComparison().isEqualTo(bob);
        assertThat(b.hasUserRow("a0")).isFalse();
        // Scores read the applied parameters (the layers' ND4J copies were refreshed).
        assertThat(b.score("x", "i2")).isEqualTo(a.score("x", "i2"));
    }

    @Test
    void appliedDeltasAreNotPublishedAgain() {
        MultiTaskLearner a = new MultiTaskLearner(rich());
        MultiTaskLearner b = new MultiTaskLearner(rich());
        ParameterSync syncA = new ParameterSync(a, 0, 2);
        ParameterSync syncB = new ParameterSync(b, 1, 2);
        a.learn(batch("a", 1_000, "i1", "i2"));
        syncB.apply(syncA.takeDelta(0));

        ParameterSync.Summary echo = ParameterSync.summarize(syncB.takeDelta(0));

        assertThat(echo.itemIds()).isEmpty();
        assertThat(echo.maxAbsChange()).isZero();
    }

    @Test
    void aDeltaHoldsOnlyTheItemsItsReplicaChanged() {
        MultiTaskLearner a = new MultiTaskLearner(rich());
        ParameterSync syncA = new ParameterSync(a, 0, 2);
        a.learn(batch("a", 1_000, "i1", "i2"));
        syncA.takeDelta(0);
        // Impressions only: no sampled negatives, so exactly the named items move.
        a.learn(List.of(impression("e1", "a0", "i3", 5_000), impression("e2", "a1", "i1", 5_001)));

        assertThat(ParameterSync.summarize(syncA.takeDelta(1)).itemIds())
                .containsExactly("i1", "i3");
    }

    @Test
    void itemsCreatedOnOneReplicaAppearOnTheOtherWithEqualRowsAndLastSeen() {
        MultiTaskLearner a = new MultiTaskLearner(rich());
        MultiTaskLearner b = new MultiTaskLearner(rich());
        ParameterSync syncA = new ParameterSync(a, 0, 2);
        ParameterSync syncB = new ParameterSync(b, 1, 2);
        a.learn(batch("a", 1_000, "new1", "new2"));
        assertThat(b.itemCount()).isZero();

        syncB.apply(syncA.takeDelta(0));

        EmbeddingTable itemsA = a.network().items();
        EmbeddingTable itemsB = b.network().items();
        assertThat(b.itemCount()).isEqualTo(a.itemCount());
        for (String id : List.of("new1", "new2")) {
            int rowA = itemsA.rowOf(id);
            int rowB = itemsB.rowOf(id);
            assertThat(bits(itemsB.values(), rowB * 8, 8))
                    .containsExactly(bits(itemsA.values(), rowA * 8, 8));
            assertThat(bits(itemsB.biases(), rowB * 3, 3))
                    .containsExactly(bits(itemsA.biases(), rowA * 3, 3));
            assertThat(itemsB.lastSeen(rowB)).isEqualTo(itemsA.lastSeen(rowA));
        }
    }

    /**
     * A and B learn different batches over overlapping and new items (so their rows come in
     * different orders), then exchange; a third replica R, which learned nothing, applies both. All
     * three then hold base + dA + dB, compared bit for bit over every dense value, item value, item
     * bias and cold value: each delta is exact in double and each side rounds the same exact sum
     * once (A: a + dB, B: b + dA, R: (base + dA rounds to a exactly) + dB).
     */
    @ParameterizedTest
    @MethodSource("configs")
    void deltasComposeToTheSameParametersOnEveryReplica(ModelConfig config) {
        MultiTaskLearner a = new MultiTaskLearner(config);
        MultiTaskLearner b = new MultiTaskLearner(config);
        MultiTaskLearner r = new MultiTaskLearner(config);
        ParameterSync syncA = new ParameterSync(a, 0, 3);
        ParameterSync syncB = new ParameterSync(b, 1, 3);
        ParameterSync syncR = new ParameterSync(r, 2, 3);
        a.learn(batch("a", 1_000, "i1", "i2", "shared"));
        b.learn(batch("b", 1_000, "shared", "i9", "i1"));
        b.learn(batch("b", 2_000, "i8"));
        Map<String, int[]> beforeA = replicated(a);

        byte[] deltaA = syncA.takeDelta(0);
        byte[] deltaB = syncB.takeDelta(0);
        syncA.apply(deltaB);
        syncB.apply(deltaA);
        syncR.apply(deltaA);
        syncR.apply(deltaB);

        assertThat(replicated(a).get("dense:click.weight"))
                .isNotEqualTo(beforeA.get("dense:click.weight"));
        assertSameBits(replicated(a), replicated(r));
        assertSameBits(replicated(b), replicated(r));
        assertThat(a.itemCount()).isEqualTo(5);
        // Each replica's next own delta is what it learns next, not the exchange.
        assertThat(ParameterSync.summarize(syncA.takeDelta(1)).maxAbsChange()).isZero();
    }

    @ParameterizedTest
    @MethodSource("configs")
    void aRestoredSyncStateContinuesBitIdentically(ModelConfig config) {
        MultiTaskLearner a = new MultiTaskLearner(config);
        MultiTaskLearner b = new MultiTaskLearner(config);
        ParameterSync syncA = new ParameterSync(a, 0, 2);
        ParameterSync syncB = new ParameterSync(b, 1, 2);
        a.learn(batch("a", 1_000, "i1", "i2"));
        syncA.takeDelta(0);
        b.learn(batch("b", 1_000, "i2", "i7"));
        byte[] fromB = syncB.takeDelta(5);
        syncA.apply(fromB);
        // Rows created after the last delta, with no base stored yet.
        a.learn(batch("a", 2_000, "i3", "i1"));

        byte[] learnerCheckpoint = a.toSnapshotBytes();
        byte[] syncCheckpoint = syncA.toBytes();
        a.learn(batch("a", 3_000, "i4", "i2"));
        byte[] uninterrupted = syncA.takeDelta(1);

        MultiTaskLearner restored = MultiTaskLearner.fromSnapshotBytes(learnerCheckpoint);
        ParameterSync restoredSync = ParameterSync.restore(restored, syncCheckpoint);
        assertThat(restoredSync.lastSequence()).isZero();
        assertThat(restoredSync.lastApplied(1)).isEqualTo(5);
        assertThat(restoredSync.apply(fromB)).as("a replayed delta is skipped").isFalse();
        restored.learn(batch("a", 3_000, "i4", "i2"));

        assertThat(restoredSync.takeDelta(1)).isEqualTo(uninterrupted);
        assertSameBits(replicated(restored), replicated(a));
    }

    @Test
    void anEvictedItemsPendingUpdateIsDroppedAndTheOtherRowsStayInStep() {
        ModelConfig config = rich().toBuilder().embeddingTtlMs(80_000).build();
        MultiTaskLearner a = new MultiTaskLearner(config);
        MultiTaskLearner b = new MultiTaskLearner(config);
        ParameterSync syncA = new ParameterSync(a, 0, 2);
        ParameterSync syncB = new ParameterSync(b, 1, 2);
        a.learn(List.of(impression("e1", "a0", "old", 1_000), impression("e2", "a0", "k", 1_000)));
        syncB.apply(syncA.takeDelta(0));
        // "old" changes once more, then is evicted (last seen 2,000, TTL 80,000) when the batch
        // at 200,000 starts; "k" moves down a row.
        a.learn(List.of(impression("e3", "a1", "old", 2_000)));
        a.learn(List.of(impression("e4", "a1", "k", 100_000)));
        a.learn(
                List.of(
                        impression("e5", "a2", "k", 200_000),
                        impression("e6", "a2", "n", 200_000)));
        assertThat(a.network().items().rowOf("old")).isEqualTo(-1);

        byte[] delta = syncA.takeDelta(1);

        assertThat(ParameterSync.summarize(delta).itemIds()).containsExactly("k", "n");
        syncB.apply(delta);
        Map<String, int[]> onA = replicated(a);
        Map<String, int[]> onB = replicated(b);
        assertThat(onB).containsKey("item:old");
        onB.remove("item:old");
        assertSameBits(onB, onA);
    }

    @Test
    void averagingDenseParametersLeavesBothReplicasAtTheMeanOfTheirDenseSteps() {
        MultiTaskLearner a = new MultiTaskLearner(rich());
        MultiTaskLearner b = new MultiTaskLearner(rich());
        ParameterSync syncA = new ParameterSync(a, 0, 2, SyncMerge.AVERAGE_DENSE);
        ParameterSync syncB = new ParameterSync(b, 1, 2, SyncMerge.AVERAGE_DENSE);
        float[] base = a.network().denseParams().get(0).values().clone();
        a.learn(batch("a", 1_000, "i1"));
        b.learn(batch("b", 1_000, "i2"));
        float[] stepA = minus(a.network().denseParams().get(0).values(), base);
        float[] stepB = minus(b.network().denseParams().get(0).values(), base);

        byte[] deltaA = syncA.takeDelta(0);
        byte[] deltaB = syncB.takeDelta(0);
        syncA.apply(deltaB);
        syncB.apply(deltaA);

        for (MultiTaskLearner replica : List.of(a, b)) {
            float[] v = replica.network().denseParams().get(0).values();
            for (int i = 0; i < v.length; i++) {
                assertThat(v[i]).isCloseTo(base[i] + (stepA[i] + stepB[i]) / 2, within(1e-6f));
            }
        }
        // Rows are summed: each item holds its only replica's full step.
        assertSameBits(
                Map.of("i1", row(b, "i1"), "i2", row(a, "i2")),
                Map.of("i1", row(a, "i1"), "i2", row(b, "i2")));
    }

    private static org.assertj.core.data.Offset<Float> within(float v) {
        return org.assertj.core.data.Offset.offset(v);
    }

    private static int[] row(MultiTaskLearner learner, String id) {
        EmbeddingTable items = learner.network().items();
        int r = items.rowOf(id);
        return concat(bits(items.values(), r * 8, 8), bits(items.biases(), r * 3, 3));
    }

    private static float[] minus(float[] x, float[] y) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] - y[i];
        }
        return out;
    }

    @Test
    void theHeaderNamesSubtaskAndSequenceWithoutDecodingTheRest() {
        ParameterSync sync = new ParameterSync(new MultiTaskLearner(rich()), 3, 4);
        byte[] delta = sync.takeDelta(42);

        assertThat(ParameterSync.subtaskOf(delta)).isEqualTo(3);
        assertThat(ParameterSync.sequenceOf(delta)).isEqualTo(42);
        assertThat(ParameterSync.header(Arrays.copyOf(delta, 32)).formatVersion())
                .isEqualTo(ParameterSync.FORMAT_VERSION);
    }

    @Test
    void aReplayedOrOlderDeltaIsSkippedAndChangesNothing() {
        MultiTaskLearner a = new MultiTaskLearner(rich());
        MultiTaskLearner b = new MultiTaskLearner(rich());
        ParameterSync syncA = new ParameterSync(a, 0, 2);
        ParameterSync syncB = new ParameterSync(b, 1, 2);
        a.learn(batch("a", 1_000, "i1"));
        byte[] first = syncA.takeDelta(0);
        a.learn(batch("a", 2_000, "i2"));
        byte[] second = syncA.takeDelta(1);
        assertThat(syncB.apply(first)).isTrue();
        assertThat(syncB.apply(second)).isTrue();
        Map<String, int[]> before = replicated(b);

        assertThat(syncB.apply(second)).isFalse();
        assertThat(syncB.apply(first)).isFalse();
        assertSameBits(replicated(b), before);
        assertThat(syncB.lastApplied(0)).isEqualTo(1);
    }

    @Test
    void sequencesOfOneReplicaMustIncrease() {
        ParameterSync sync = new ParameterSync(new MultiTaskLearner(rich()), 0, 2);
        sync.takeDelta(7);
        assertThatThrownBy(() -> sync.takeDelta(7))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("delta sequence 7 of subtask 0 must be above the last taken, 7");
    }

    @Test
    void aReplicaRejectsItsOwnDelta() {
        ParameterSync sync = new ParameterSync(new MultiTaskLearner(rich()), 1, 2);
        byte[] own = sync.takeDelta(0);
        assertThatThrownBy(() -> sync.apply(own))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "parameter delta 0 is this replica's own (subtask 1); a replica applies"
                                + " only the others' deltas");
    }

    @Test
    void aDeltaOfAnotherFormatVersionIsRejected() {
        byte[] delta = new ParameterSync(new MultiTaskLearner(rich()), 0, 2).takeDelta(0);
        delta[7] = 9; // the version's low byte
        ParameterSync other = new ParameterSync(new MultiTaskLearner(rich()), 1, 2);
        assertThatThrownBy(() -> other.apply(delta))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "parameter delta of subtask 0 has format version 9; this build reads"
                                + " version 1");
    }

    @Test
    void aDeltaOfAModelWithOtherShapesIsRejectedWithTheSettingsToShare() {
        byte[] delta = new ParameterSync(new MultiTaskLearner(rich()), 0, 2).takeDelta(0);
        ModelConfig wider = rich().toBuilder().embeddingDim(16).build();
        ParameterSync other = new ParameterSync(new MultiTaskLearner(wider), 1, 2);
        assertThatThrownBy(() -> other.apply(delta))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(
                        "parameter delta of subtask 0 was taken by a model of other shapes or"
                                + " initialisation (fingerprint ")
                .hasMessageContaining("embedding.dim=16, seed=11")
                .hasMessageEndingWith("); replicas must share these settings");
    }

    @Test
    void aDeltaOfAnotherSeedIsRejected() {
        byte[] delta = new ParameterSync(new MultiTaskLearner(rich()), 0, 2).takeDelta(0);
        ParameterSync other =
                new ParameterSync(new MultiTaskLearner(rich().toBuilder().seed(12).build()), 1, 2);
        assertThatThrownBy(() -> other.apply(delta))
                .hasMessageContaining("other shapes or initialisation");
    }

    @Test
    void aDeltaFromADifferentReplicaCountIsRejected() {
        byte[] delta = new ParameterSync(new MultiTaskLearner(rich()), 0, 4).takeDelta(0);
        ParameterSync other = new ParameterSync(new MultiTaskLearner(rich()), 1, 2);
        assertThatThrownBy(() -> other.apply(delta))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "parameter delta of subtask 0 was taken by one of 4 replicas; this replica"
                                + " is one of 2");
    }

    @Test
    void aTruncatedDeltaIsRejectedAndChangesNothing() {
        MultiTaskLearner a = new MultiTaskLearner(rich());
        a.learn(batch("a", 1_000, "i1", "i2"));
        byte[] delta = new ParameterSync(a, 0, 2).takeDelta(0);
        MultiTaskLearner b = new MultiTaskLearner(rich());
        ParameterSync syncB = new ParameterSync(b, 1, 2);
        Map<String, int[]> before = replicated(b);

        assertThatThrownBy(() -> syncB.apply(Arrays.copyOf(delta, delta.length - 5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("parameter delta 0 of subtask 0 is malformed: it ends early");
        assertSameBits(replicated(b), before);
        assertThat(syncB.lastApplied(0)).isEqualTo(-1);
    }

    @Test
    void bytesThatAreNoDeltaAreRejected() {
        assertThatThrownBy(() -> ParameterSync.header(new byte[40]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a parameter delta: magic 0x0, expected 0x4d545344");
        assertThatThrownBy(() -> ParameterSync.subtaskOf(new byte[3]))
                .hasMessage("not a parameter delta: 3 bytes, a delta header has 32");
    }

    @Test
    void aSyncStateOfAnotherModelIsRejected() {
        byte[] state = new ParameterSync(new MultiTaskLearner(rich()), 0, 2).toBytes();
        MultiTaskLearner other = new MultiTaskLearner(withColdRows());
        assertThatThrownBy(() -> ParameterSync.restore(other, state))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(
                        "parameter sync state was written for a model of other shapes or"
                                + " initialisation");
    }

    @Test
    void replicasMergingDifferentlyRejectEachOthersDeltas() {
        byte[] delta = new ParameterSync(new MultiTaskLearner(rich()), 0, 2).takeDelta(0);
        ParameterSync averaging =
                new ParameterSync(new MultiTaskLearner(rich()), 1, 2, SyncMerge.AVERAGE);
        assertThatThrownBy(() -> averaging.apply(delta)).hasMessageContaining("sync.merge=average");
    }

    @Test
    void theMergeSettingDefaultsToSumParsesItsNamesAndRejectsOthers() {
        assertThat(SyncMerge.PARAM.name()).isEqualTo("sync.merge");
        assertThat(SyncMerge.PARAM.defaultValue()).isEqualTo(SyncMerge.SUM);
        assertThat(SyncMerge.PARAM.parse("Average-Dense")).isEqualTo(SyncMerge.AVERAGE_DENSE);
        assertThat(SyncMerge.PARAM.format(SyncMerge.AVERAGE_DENSE)).isEqualTo("average-dense");
        assertThatThrownBy(() -> SyncMerge.PARAM.parse("mean"))
                .hasMessage("sync.merge must be one of [sum, average-dense, average], got 'mean'");
    }

    @Test
    void subtaskOutsideTheReplicasIsRejected() {
        MultiTaskLearner learner = new MultiTaskLearner(rich());
        assertThatThrownBy(() -> new ParameterSync(learner, 2, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "subtask must be in [0, replicas) and replicas >= 1, got subtask 2 of 2");
    }
}
