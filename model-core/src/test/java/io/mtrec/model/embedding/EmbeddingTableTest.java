package io.mtrec.model.embedding;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class EmbeddingTableTest {

    @Test
    void everyDistinctIdGetsItsOwnRowAndKeepsIt() {
        EmbeddingTable table = new EmbeddingTable(4, 1, 0.1f, 0.1, 7L);
        assertThat(table.rowOf("a")).isEqualTo(-1);
        int a = table.getOrCreate("a");
        int b = table.getOrCreate("b");
        assertThat(a).isEqualTo(0);
        assertThat(b).isEqualTo(1);
        assertThat(table.getOrCreate("a")).isEqualTo(a);
        assertThat(table.rowOf("b")).isEqualTo(b);
        assertThat(table.id(1)).isEqualTo("b");
        assertThat(table.size()).isEqualTo(2);
    }

    @Test
    void initialRowDependsOnlyOnSeedAndId() {
        EmbeddingTable first = new EmbeddingTable(8, 0, 0f, 0.1, 7L);
        EmbeddingTable second = new EmbeddingTable(8, 0, 0f, 0.1, 7L);
        first.getOrCreate("x");
        first.getOrCreate("y");
        second.getOrCreate("y");
        second.getOrCreate("x");
        float[] fromFirst = new float[8];
        float[] fromSecond = new float[8];
        first.copyRow(first.rowOf("y"), fromFirst, 0);
        second.copyRow(second.rowOf("y"), fromSecond, 0);
        assertThat(fromSecond).containsExactly(fromFirst);

        float[] otherSeed = new float[8];
        new EmbeddingTable(8, 0, 0f, 0.1, 8L).initialRow("y", otherSeed, 0);
        assertThat(otherSeed).isNotEqualTo(fromFirst);
    }

    @Test
    void initialValuesHaveTheConfiguredSpread() {
        EmbeddingTable table = new EmbeddingTable(16, 0, 0f, 0.1, 1L);
        double sumSq = 0;
        for (int i = 0; i < 2_000; i++) {
            table.getOrCreate("id" + i);
        }
        float[] values = table.values();
        for (int i = 0; i < 2_000 * 16; i++) {
            sumSq += values[i] * values[i];
        }
        assertThat(Math.sqrt(sumSq / (2_000 * 16))).isCloseTo(0.1, within(0.002));
    }

    @Test
    void growingKeepsRowsSlotsAndTimes() {
        EmbeddingTable table = new EmbeddingTable(3, 1, 0.5f, 0.1, 1L);
        table.getOrCreate("first");
        table.touch(0, 100L);
        float[] before = Arrays.copyOf(table.values(), 3);
        for (int i = 0; i < 100; i++) {
            table.getOrCreate("more" + i);
        }
        assertThat(Arrays.copyOf(table.values(), 3)).containsExactly(before);
        assertThat(table.lastSeen(0)).isEqualTo(100L);
        assertThat(table.lastSeen(5)).isEqualTo(Long.MIN_VALUE);
        assertThat(table.slots()[100 * 3 + 2]).isEqualTo(0.5f);
    }

    @Test
    void touchKeepsTheLatestTime() {
        EmbeddingTable table = new EmbeddingTable(2, 0, 0f, 0.1, 1L);
        int row = table.getOrCreate("u");
        table.touch(row, 50L);
        table.touch(row, 20L);
        assertThat(table.lastSeen(row)).isEqualTo(50L);
    }

    @Test
    void restoreRowRejectsWrongWidthAndDuplicateIds() {
        EmbeddingTable table = new EmbeddingTable(2, 1, 0f, 0.1, 1L);
        table.restoreRow("a", new float[] {1, 2}, new float[] {3, 4}, 9L);
        assertThat(table.values()[1]).isEqualTo(2f);
        assertThat(table.slots()[0]).isEqualTo(3f);
        assertThat(table.lastSeen(0)).isEqualTo(9L);
        assertThatThrownBy(() -> table.restoreRow("b", new float[3], new float[2], 0L))
                .hasMessage("row of 'b' has 3 values and 2 slots, expected 2 and 2");
        assertThatThrownBy(() -> table.restoreRow("a", new float[2], new float[2], 0L))
                .hasMessage("id 'a' already has a row");
    }

    @Test
    void sparseGradientsSumEachRowOnceInFirstTouchOrder() {
        SparseRowGradients grads = new SparseRowGradients(2);
        grads.reset(10);
        int s7 = grads.slot(7);
        grads.grads()[s7 * 2] += 1f;
        int s3 = grads.slot(3);
        grads.grads()[s3 * 2 + 1] += 2f;
        assertThat(grads.slot(7)).isEqualTo(s7);
        grads.grads()[grads.slot(7) * 2] += 0.5f;
        assertThat(grads.count()).isEqualTo(2);
        assertThat(grads.row(0)).isEqualTo(7);
        assertThat(grads.row(1)).isEqualTo(3);
        assertThat(grads.grads()[0]).isEqualTo(1.5f);
        assertThat(grads.sumOfSquares()).isEqualTo(1.5 * 1.5 + 4.0);

        grads.reset(10);
        assertThat(grads.count()).isZero();
        assertThat(grads.slot(3)).isZero();
        assertThat(grads.grads()[0]).isZero();
        assertThat(grads.grads()[1]).isZero();
    }

    @Test
    void fullTableRefusesNewRowsWithAClearMessage() {
        // At most 100 values per array: 16 rows of 4 values with one slot each fit, 32 do not.
        EmbeddingTable table = new EmbeddingTable(4, 1, 0f, 0.1, 1L, 0, 100);
        for (int i = 0; i < 25; i++) {
            table.getOrCreate("id" + i);
        }
        assertThat(table.capacity()).isEqualTo(25);
        assertThatThrownBy(() -> table.getOrCreate("one-too-many"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(
                        "embedding table is full: 25 rows of 4 values fill one Java array; evict"
                                + " rows or shard the table");
        assertThat(table.getOrCreate("id3")).isEqualTo(3);
    }

    @Test
    void evictionDropsRowsSeenBeforeTheCutoffAndCompactsTheRestInOrder() {
        EmbeddingTable table = new EmbeddingTable(2, 1, 0.1f, 0.1, 1L, 3, 0, 1, 10, false);
        for (String id : List.of("a", "b", "c", "d")) {
            table.getOrCreate(id);
        }
        table.touch(0, 100L);
        table.touch(1, 10L);
        table.touch(2, 100L);
        table.touch(3, 5L);
        table.biases()[2 * 3 + 1] = 7f;
        table.slots()[2 * 2] = 4f;
        float[] cValues = Arrays.copyOfRange(table.values(), 4, 6);
        List<int[]> remaps = new ArrayList<>();
        table.addRemapListener((newRowOf, newSize) -> remaps.add(newRowOf));

        int[] newRowOf = table.evictOlderThan(50L, 120L);

        assertThat(newRowOf).containsExactly(0, -1, 1, -1);
        assertThat(remaps).singleElement().isEqualTo(newRowOf);
        assertThat(table.size()).isEqualTo(2);
        assertThat(table.rowOf("a")).isZero();
        assertThat(table.rowOf("b")).isEqualTo(-1);
        assertThat(table.rowOf("c")).isEqualTo(1);
        assertThat(table.id(1)).isEqualTo("c");
        assertThat(Arrays.copyOfRange(table.values(), 2, 4)).containsExactly(cValues);
        assertThat(table.slots()[2]).isEqualTo(4f);
        assertThat(table.biases()[3 + 1]).isEqualTo(7f);
        assertThat(table.lastSeen(1)).isEqualTo(100L);
    }

    @Test
    void removingSomeIdsCompactsTheOthersInOrderAndKeepsTheColdRow() {
        EmbeddingTable table = new EmbeddingTable(2, 1, 0.1f, 0.1, 1L, 3, 0, 2, 10, false);
        for (String id : List.of("a", "b", "c", "d")) {
            table.restoreRow(id, new float[2], new float[2], 0L);
        }
        table.biases()[3 * 3 + 1] = 7f; // c
        float[] dValues = Arrays.copyOfRange(table.values(), 8, 10);
        List<int[]> remaps = new ArrayList<>();
        table.addRemapListener((newRowOf, newSize) -> remaps.add(newRowOf));

        int[] newRowOf = table.removeIdRows(Set.of("b", "nobody"));

        assertThat(newRowOf).containsExactly(0, 1, -1, 2, 3);
        assertThat(remaps).singleElement().isEqualTo(newRowOf);
        assertThat(table.coldRow()).isZero();
        assertThat(table.id(0)).isNull();
        assertThat(table.idRows()).isEqualTo(3);
        assertThat(table.rowOf("b")).isEqualTo(-1);
        assertThat(table.rowOf("c")).isEqualTo(2);
        assertThat(table.biases()[2 * 3 + 1]).isEqualTo(7f);
        assertThat(Arrays.copyOfRange(table.values(), 6, 8)).containsExactly(dValues);
        assertThat(table.removeIdRows(Set.of("b"))).isNull();
        assertThat(remaps).hasSize(1);
    }

    @Test
    void theLayoutVersionMovesWhenAnIdGetsOrLosesARowAndOnlyThen() {
        EmbeddingTable table = new EmbeddingTable(2, 0, 0f, 0.1, 1L);
        table.touch(table.getOrCreate("a"), 100L);
        table.touch(table.getOrCreate("b"), 10L);
        long created = table.layoutVersion();

        table.getOrCreate("a");
        table.touch(0, 200L);
        assertThat(table.evictOlderThan(5L, 300L)).isNull();
        assertThat(table.removeIdRows(Set.of("nobody"))).isNull();
        assertThat(table.layoutVersion()).isEqualTo(created);

        table.evictOlderThan(50L, 300L);
        long evicted = table.layoutVersion();
        assertThat(evicted).isNotEqualTo(created);
        table.getOrCreate("c");
        long added = table.layoutVersion();
        assertThat(added).isNotEqualTo(evicted);
        table.removeIdRows(Set.of("a"));
        assertThat(table.layoutVersion()).isNotEqualTo(added);
    }

    @Test
    void evictionWithNothingStaleMovesNoRowAndTellsNoListener() {
        EmbeddingTable table = new EmbeddingTable(2, 0, 0f, 0.1, 1L);
        table.touch(table.getOrCreate("a"), 100L);
        List<int[]> remaps = new ArrayList<>();
        table.addRemapListener((newRowOf, newSize) -> remaps.add(newRowOf));
        assertThat(table.evictOlderThan(50L, 120L)).isNull();
        assertThat(remaps).isEmpty();
        assertThat(table.rowOf("a")).isZero();
    }

    @Test
    void evictedIdComesBackWithAFreshInitialRowAndZeroBiases() {
        EmbeddingTable table = new EmbeddingTable(3, 1, 0.1f, 0.1, 9L, 3, 0, 1, 10, false);
        int row = table.getOrCreate("x");
        float[] initial = Arrays.copyOfRange(table.values(), 0, 3);
        table.values()[0] += 1f;
        table.biases()[0] = 2f;
        table.touch(row, 10L);
        table.evictOlderThan(20L, 30L);
        assertThat(table.size()).isZero();

        int again = table.getOrCreate("x");
        assertThat(Arrays.copyOfRange(table.values(), again * 3, again * 3 + 3))
                .containsExactly(initial);
        assertThat(table.biases()[0]).isZero();
        assertThat(table.slots()[0]).isEqualTo(0.1f);
        assertThat(table.lastSeen(again)).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void rowsNeverSeenInAnEventAreStampedByTheFirstSweepInsteadOfEvicted() {
        EmbeddingTable table = new EmbeddingTable(2, 0, 0f, 0.1, 1L);
        table.getOrCreate("profile-only");
        assertThat(table.evictOlderThan(500L, 1_000L)).isNull();
        assertThat(table.lastSeen(0)).isEqualTo(1_000L);
        assertThat(table.evictOlderThan(1_001L, 2_000L)).containsExactly(-1);
    }

    @Test
    void admissionGivesAnIdItsOwnRowOnItsNthSightingAndTheColdRowBefore() {
        EmbeddingTable table = new EmbeddingTable(2, 0, 0f, 0.1, 1L, 3, 0, 3, 10, false);
        assertThat(table.coldRow()).isZero();
        assertThat(table.id(0)).isNull();
        assertThat(table.idRows()).isZero();

        assertThat(table.rowForSighting("new", 1L)).isZero();
        assertThat(table.rowForSighting("new", 2L)).isZero();
        assertThat(table.rowOf("new")).isEqualTo(-1);
        assertThat(table.rowOrCold("new")).isZero();
        assertThat(table.sightingCounts())
                .containsExactly(new EmbeddingTable.SightingCount("new", 2, 2L));

        int own = table.rowForSighting("new", 3L);
        assertThat(own).isEqualTo(1);
        assertThat(table.rowOf("new")).isEqualTo(1);
        assertThat(table.trackedSightings()).isZero();
        assertThat(table.idRows()).isEqualTo(1);
    }

    @Test
    void admissionOfOneCreatesTheRowAtFirstSightWithoutAColdRow() {
        EmbeddingTable table = new EmbeddingTable(2, 0, 0f, 0.1, 1L, 3, 0, 1, 10, false);
        assertThat(table.coldRow()).isEqualTo(-1);
        assertThat(table.rowForSighting("a", 1L)).isZero();
        assertThat(table.rowOf("a")).isZero();
        assertThat(table.rowOrCold("b")).isEqualTo(-1);
    }

    @Test
    void sightingCountsAreForgottenByTheTtlSweepAndBeyondTheCap() {
        EmbeddingTable table = new EmbeddingTable(2, 0, 0f, 0.1, 1L, 3, 0, 5, 4, false);
        table.rowForSighting("old", 10L);
        table.rowForSighting("new", 100L);
        table.evictOlderThan(50L, 120L);
        assertThat(table.sightingCounts())
                .extracting(EmbeddingTable.SightingCount::id)
                .containsExactly("new");

        table.rowForSighting("b", 101L);
        table.rowForSighting("c", 102L);
        table.rowForSighting("d", 103L);
        assertThat(table.trackedSightings()).isEqualTo(4);
        // The fifth id finds the map full: the older half (new at 100, b at 101) is forgotten.
        table.rowForSighting("e", 104L);
        assertThat(table.sightingCounts())
                .extracting(EmbeddingTable.SightingCount::id)
                .containsExactly("c", "d", "e");
    }

    @Test
    void coldRowIsNeverEvictedAndKeepsRowZero() {
        EmbeddingTable table = new EmbeddingTable(2, 0, 0f, 0.1, 1L, 3, 0, 2, 10, false);
        table.touch(0, 1L);
        table.rowForSighting("a", 1L);
        int a = table.rowForSighting("a", 2L);
        table.touch(a, 2L);
        table.touch(table.getOrCreate("b"), 100L);
        assertThat(table.evictOlderThan(50L, 100L)).containsExactly(0, -1, 1);
        assertThat(table.coldRow()).isZero();
        assertThat(table.rowOf("b")).isEqualTo(1);
    }

    @Test
    void featuresStartAtZeroAndMoveWithTheirRow() {
        EmbeddingTable table = new EmbeddingTable(2, 0, 0f, 0.1, 1L, 3, 2, 1, 10, false);
        table.touch(table.getOrCreate("gone"), 1L);
        int kept = table.getOrCreate("kept");
        table.touch(kept, 100L);
        table.setFeatures(kept, new float[] {0.5f, -2f});
        assertThat(table.features()[0]).isZero();
        table.evictOlderThan(50L, 100L);
        assertThat(Arrays.copyOfRange(table.features(), 0, 2)).containsExactly(0.5f, -2f);
        assertThatThrownBy(() -> table.setFeatures(0, new float[3]))
                .hasMessage("row of 'kept' takes 2 features, got 3");
    }
}
