package io.mtrec.model.embedding;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

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
}
