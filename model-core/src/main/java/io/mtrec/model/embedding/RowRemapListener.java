package io.mtrec.model.embedding;

/**
 * Told when an {@link EmbeddingTable} compacts its rows after an eviction, so components that keep
 * per-row state by row number (a sampler's counts, a cache) can follow the rows.
 */
@FunctionalInterface
public interface RowRemapListener {

    /**
     * Called after the rows have moved.
     *
     * @param newRowOfOldRow for every row number before the compaction, its number now, or -1 if
     *     the row was evicted; surviving rows keep their relative order, so the mapping is
     *     increasing over the survivors
     * @param newSize the number of rows now
     */
    void rowsRemapped(int[] newRowOfOldRow, int newSize);
}
