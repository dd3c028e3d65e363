package io.mtrec.model.embedding;

import io.mtrec.model.sampling.SplitMix64;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A collision-free embedding table: every distinct string id gets its own row, created on first
 * sight, stored with the row's optimizer slots and the event time it was last seen.
 *
 * <p>Rows live in one flat {@code float[]} (row {@code r} at {@code r * dim}), so batches gather
 * and scatter with plain array arithmetic and no per-row objects. A new row is initialised from a
 * generator seeded by the table seed and the id alone: the same id gets the same initial vector
 * whatever order ids arrive in, which also makes replicas on parallel trainers start equal.
 *
 * <p>A table may also keep {@code biasWidth} scalar biases per row (one per task), learned sparsely
 * like the row: they start at 0, have their own optimizer slots, and live in {@link #biases()}.
 *
 * <p>A table built with step counters also keeps, per row, how many optimizer updates the row has
 * had (Adam debiases a row's moments by its own count); without them the count is not stored.
 *
 * <p>Not thread-safe. {@link #values()} and {@link #slots()} are the live arrays; they are replaced
 * when the table grows, so fetch them again after creating rows. One array holds all rows, so a
 * table has at most {@code (2^31 - 9) / dim} rows (67 million at d = 32).
 */
public final class EmbeddingTable {
    private static final int INITIAL_CAPACITY = 16;

    /** Largest array length every JVM allocates. */
    private static final long MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    private final int dim;
    private final int slotsPerValue;
    private final int biasWidth;
    private final boolean countsSteps;
    private final float slotInit;
    private final double initStd;
    private final long seed;
    private final long maxArrayLength;
    private final Map<String, Integer> rowsById = new HashMap<>();
    private final List<String> ids = new ArrayList<>();
    private float[] values;
    private float[] slots;
    private long[] lastSeen;
    private float[] biases;
    private float[] biasSlots;
    private long[] steps;

    /**
     * @param dim row width
     * @param slotsPerValue optimizer slots per value (0 for SGD, 1 for Adagrad)
     * @param slotInit initial value of every slot of a new row
     * @param initStd standard deviation of the Gaussian initial values
     * @param seed seed of this table; derive it per table so users and items differ
     */
    public EmbeddingTable(int dim, int slotsPerValue, float slotInit, double initStd, long seed) {
        this(dim, slotsPerValue, slotInit, initStd, seed, 0, false, MAX_ARRAY_LENGTH);
    }

    /**
     * As {@link #EmbeddingTable(int, int, float, double, long)}, with {@code biasWidth} scalar
     * biases per row, initialised to 0.
     */
    public EmbeddingTable(
            int dim, int slotsPerValue, float slotInit, double initStd, long seed, int biasWidth) {
        this(dim, slotsPerValue, slotInit, initStd, seed, biasWidth, false, MAX_ARRAY_LENGTH);
    }

    /**
     * As {@link #EmbeddingTable(int, int, float, double, long, int)}, keeping a per-row optimizer
     * step counter when {@code countsSteps}.
     */
    public EmbeddingTable(
            int dim,
            int slotsPerValue,
            float slotInit,
            double initStd,
            long seed,
            int biasWidth,
            boolean countsSteps) {
        this(dim, slotsPerValue, slotInit, initStd, seed, biasWidth, countsSteps, MAX_ARRAY_LENGTH);
    }

    /** As the public constructors, with a smaller array limit so tests can fill a table. */
    EmbeddingTable(
            int dim,
            int slotsPerValue,
            float slotInit,
            double initStd,
            long seed,
            int biasWidth,
            long maxArrayLength) {
        this(dim, slotsPerValue, slotInit, initStd, seed, biasWidth, false, maxArrayLength);
    }

    private EmbeddingTable(
            int dim,
            int slotsPerValue,
            float slotInit,
            double initStd,
            long seed,
            int biasWidth,
            boolean countsSteps,
            long maxArrayLength) {
        if (dim < 1) {
            throw new IllegalArgumentException("dim must be >= 1, got " + dim);
        }
        if (slotsPerValue < 0) {
            throw new IllegalArgumentException("slotsPerValue must be >= 0, got " + slotsPerValue);
        }
        if (biasWidth < 0) {
            throw new IllegalArgumentException("biasWidth must be >= 0, got " + biasWidth);
        }
        this.dim = dim;
        this.slotsPerValue = slotsPerValue;
        this.biasWidth = biasWidth;
        this.countsSteps = countsSteps;
        this.slotInit = slotInit;
        this.initStd = initStd;
        this.seed = seed;
        this.maxArrayLength = maxArrayLength;
        this.values = new float[INITIAL_CAPACITY * dim];
        this.slots = new float[INITIAL_CAPACITY * dim * slotsPerValue];
        this.lastSeen = new long[INITIAL_CAPACITY];
        this.biases = new float[INITIAL_CAPACITY * biasWidth];
        this.biasSlots = new float[INITIAL_CAPACITY * biasWidth * slotsPerValue];
        this.steps = new long[countsSteps ? INITIAL_CAPACITY : 0];
    }

    public int dim() {
        return dim;
    }

    public int slotsPerValue() {
        return slotsPerValue;
    }

    public long seed() {
        return seed;
    }

    /** Whether the table keeps a per-row optimizer step counter. */
    public boolean countsSteps() {
        return countsSteps;
    }

    /** Optimizer updates row {@code row} has had; 0 when the table keeps no counters. */
    public long steps(int row) {
        return countsSteps ? steps[row] : 0L;
    }

    /**
     * Counts one more optimizer update of {@code row} and returns the new count (1 on the first);
     * returns 0 and counts nothing when the table keeps no counters.
     */
    public long nextStep(int row) {
        return countsSteps ? ++steps[row] : 0L;
    }

    /** Scalar biases per row (0 when the table keeps none). */
    public int biasWidth() {
        return biasWidth;
    }

    /** Number of rows. */
    public int size() {
        return ids.size();
    }

    /** Rows the arrays can hold before they grow. */
    public int capacity() {
        return lastSeen.length;
    }

    /** The row of {@code id}, or -1 if it has none. */
    public int rowOf(String id) {
        Integer row = rowsById.get(id);
        return row == null ? -1 : row;
    }

    /** The row of {@code id}, creating and initialising it if it is new. */
    public int getOrCreate(String id) {
        Integer row = rowsById.get(id);
        if (row != null) {
            return row;
        }
        int created = appendRow(id);
        initialRow(id, values, created * dim);
        Arrays.fill(
                slots,
                created * dim * slotsPerValue,
                (created + 1) * dim * slotsPerValue,
                slotInit);
        Arrays.fill(
                biasSlots,
                created * biasWidth * slotsPerValue,
                (created + 1) * biasWidth * slotsPerValue,
                slotInit);
        lastSeen[created] = Long.MIN_VALUE;
        if (countsSteps) {
            steps[created] = 0L;
        }
        return created;
    }

    /** The id stored in {@code row}. */
    public String id(int row) {
        return ids.get(row);
    }

    /** Offset of {@code row} in {@link #values()}. */
    public int offset(int row) {
        return row * dim;
    }

    /** The live value array; row r occupies {@code [r * dim, (r + 1) * dim)}. */
    public float[] values() {
        return values;
    }

    /** The live slot array; row r occupies {@code [r * dim * s, (r + 1) * dim * s)}. */
    public float[] slots() {
        return slots;
    }

    /** The live bias array; row r's biases occupy {@code [r * biasWidth, (r + 1) * biasWidth)}. */
    public float[] biases() {
        return biases;
    }

    /**
     * The live bias slot array; row r occupies {@code [r * biasWidth * s, (r + 1) * biasWidth *
     * s)}.
     */
    public float[] biasSlots() {
        return biasSlots;
    }

    /** Copies row {@code row} into {@code out[off..off+dim)}. */
    public void copyRow(int row, float[] out, int off) {
        System.arraycopy(values, row * dim, out, off, dim);
    }

    /** Event time {@code row} was last seen in a real event, or {@link Long#MIN_VALUE}. */
    public long lastSeen(int row) {
        return lastSeen[row];
    }

    /** Records that {@code row} was seen at {@code eventTime}; the latest time wins. */
    public void touch(int row, long eventTime) {
        if (eventTime > lastSeen[row]) {
            lastSeen[row] = eventTime;
        }
    }

    /**
     * Writes the vector {@code id} gets when its row is created into {@code out[off..off+dim)}; a
     * pure function of the table seed and the id, also used to score ids the table has not seen.
     */
    public void initialRow(String id, float[] out, int off) {
        SplitMix64 rng = new SplitMix64(SplitMix64.mix(seed ^ SplitMix64.hash64(id)));
        for (int i = 0; i < dim; i++) {
            out[off + i] = (float) (initStd * rng.nextGaussian());
        }
    }

    /**
     * Appends a row with given contents, as a snapshot restore does; rows must come in row order.
     */
    public int restoreRow(String id, float[] rowValues, float[] rowSlots, long rowLastSeen) {
        float[] zeroBiases = new float[biasWidth];
        float[] freshSlots = new float[biasWidth * slotsPerValue];
        Arrays.fill(freshSlots, slotInit);
        return restoreRow(id, rowValues, rowSlots, zeroBiases, freshSlots, rowLastSeen, 0L);
    }

    /**
     * Appends a row with given contents and biases, as a snapshot restore does; rows must come in
     * row order.
     */
    public int restoreRow(
            String id,
            float[] rowValues,
            float[] rowSlots,
            float[] rowBiases,
            float[] rowBiasSlots,
            long rowLastSeen) {
        return restoreRow(id, rowValues, rowSlots, rowBiases, rowBiasSlots, rowLastSeen, 0L);
    }

    /**
     * Appends a row with given contents, biases and optimizer step count (ignored when the table
     * keeps no counters), as a snapshot restore does; rows must come in row order.
     */
    public int restoreRow(
            String id,
            float[] rowValues,
            float[] rowSlots,
            float[] rowBiases,
            float[] rowBiasSlots,
            long rowLastSeen,
            long rowSteps) {
        if (rowSteps < 0) {
            throw new IllegalArgumentException(
                    "row of '" + id + "' has step count " + rowSteps + ", expected >= 0");
        }
        if (rowBiases.length != biasWidth || rowBiasSlots.length != biasWidth * slotsPerValue) {
            throw new IllegalArgumentException(
                    "row of '"
                            + id
                            + "' has "
                            + rowBiases.length
                            + " biases and "
                            + rowBiasSlots.length
                            + " bias slots, expected "
                            + biasWidth
                            + " and "
                            + biasWidth * slotsPerValue);
        }
        if (rowValues.length != dim || rowSlots.length != dim * slotsPerValue) {
            throw new IllegalArgumentException(
                    "row of '"
                            + id
                            + "' has "
                            + rowValues.length
                            + " values and "
                            + rowSlots.length
                            + " slots, expected "
                            + dim
                            + " and "
                            + dim * slotsPerValue);
        }
        int row = appendRow(id);
        System.arraycopy(rowValues, 0, values, row * dim, dim);
        System.arraycopy(rowSlots, 0, slots, row * dim * slotsPerValue, dim * slotsPerValue);
        System.arraycopy(rowBiases, 0, biases, row * biasWidth, biasWidth);
        System.arraycopy(
                rowBiasSlots,
                0,
                biasSlots,
                row * biasWidth * slotsPerValue,
                biasWidth * slotsPerValue);
        lastSeen[row] = rowLastSeen;
        if (countsSteps) {
            steps[row] = rowSteps;
        }
        return row;
    }

    private int appendRow(String id) {
        if (rowsById.containsKey(id)) {
            throw new IllegalArgumentException("id '" + id + "' already has a row");
        }
        int row = ids.size();
        if (row == lastSeen.length) {
            grow();
        }
        rowsById.put(id, row);
        ids.add(id);
        return row;
    }

    private void grow() {
        long widest = (long) Math.max(dim, biasWidth) * Math.max(1, slotsPerValue);
        int capacity = (int) Math.min(lastSeen.length * 2L, maxArrayLength / widest);
        if (capacity <= lastSeen.length) {
            throw new IllegalStateException(
                    "embedding table is full: "
                            + lastSeen.length
                            + " rows of "
                            + dim
                            + " values fill one Java array; evict rows or shard the table");
        }
        values = Arrays.copyOf(values, capacity * dim);
        slots = Arrays.copyOf(slots, capacity * dim * slotsPerValue);
        lastSeen = Arrays.copyOf(lastSeen, capacity);
        biases = Arrays.copyOf(biases, capacity * biasWidth);
        biasSlots = Arrays.copyOf(biasSlots, capacity * biasWidth * slotsPerValue);
        if (countsSteps) {
            steps = Arrays.copyOf(steps, capacity);
        }
    }
}
