package io.mtrec.model.embedding;

import io.mtrec.model.sampling.SplitMix64;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;

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
 * <p>A table may keep {@code featureWidth} fixed side features per row (an item's text embedding),
 * moved and evicted with the row.
 *
 * <p><b>Admission.</b> With {@code admissionMinCount} N > 1, {@link #rowForSighting} gives an id
 * its own row on its N-th sighting; before that the id shares the table's <em>cold row</em>, row 0,
 * which has no id ({@link #id} gives null), is trained like any row and is never evicted. Sighting
 * counts of ids without a row are bounded twice: {@link #evictOlderThan} drops those not sighted
 * since its cutoff (the TTL), and when {@code maxTracked} ids are counted, the older half (by last
 * sighting, then id) is forgotten, so a flood of one-off ids cannot grow the map without bound.
 *
 * <p><b>Eviction.</b> {@link #evictOlderThan} removes every row last seen before a cutoff and
 * compacts the survivors downwards in their order; listeners registered with {@link
 * #addRemapListener} get the old-to-new row mapping.
 *
 * <p>A table built with step counters also keeps, per row, how many optimizer updates the row has
 * had (Adam debiases a row's moments by its own count); without them the count is not stored. The
 * count moves, resets and is evicted with its row.
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
    private final float slotInit;
    private final double initStd;
    private final long seed;
    private final long maxArrayLength;
    private final int featureWidth;
    private final int admissionMinCount;
    private final int maxTracked;
    private final int coldRow;
    private final Map<String, Integer> rowsById = new HashMap<>();
    private final List<String> ids = new ArrayList<>();
    private final Map<String, Sighting> sightings = new HashMap<>();
    private final List<RowRemapListener> listeners = new ArrayList<>();
    private float[] values;
    private float[] slots;
    private long[] lastSeen;
    private float[] biases;
    private float[] biasSlots;
    private float[] features;
    private final boolean countsSteps;
    private long[] steps;

    /** Moves on whenever an id gets, loses or changes its row. */
    private long layoutVersion;

    /** Sightings of an id that has no row yet. */
    private static final class Sighting {
        int count;
        long lastSeen;

        Sighting(int count, long lastSeen) {
            this.count = count;
            this.lastSeen = lastSeen;
        }
    }

    /** How many times an id without a row has been sighted, and when last; for snapshots. */
    public record SightingCount(String id, int count, long lastSeen) {}

    /**
     * @param dim row width
     * @param slotsPerValue optimizer slots per value (0 for SGD, 1 for Adagrad)
     * @param slotInit initial value of every slot of a new row
     * @param initStd standard deviation of the Gaussian initial values
     * @param seed seed of this table; derive it per table so users and items differ
     */
    public EmbeddingTable(int dim, int slotsPerValue, float slotInit, double initStd, long seed) {
        this(dim, slotsPerValue, slotInit, initStd, seed, 0, MAX_ARRAY_LENGTH);
    }

    /**
     * As {@link #EmbeddingTable(int, int, float, double, long)}, with {@code biasWidth} scalar
     * biases per row, initialised to 0.
     */
    public EmbeddingTable(
            int dim, int slotsPerValue, float slotInit, double initStd, long seed, int biasWidth) {
        this(dim, slotsPerValue, slotInit, initStd, seed, biasWidth, MAX_ARRAY_LENGTH);
    }

    /**
     * As {@link #EmbeddingTable(int, int, float, double, long, int)}, with {@code featureWidth}
     * side features per row (initialised to 0), frequency admission (an id gets its own row on its
     * {@code admissionMinCount}-th sighting, and at most {@code maxTracked} ids without a row are
     * counted), and a per-row optimizer step counter when {@code countsSteps}.
     */
    public EmbeddingTable(
            int dim,
            int slotsPerValue,
            float slotInit,
            double initStd,
            long seed,
            int biasWidth,
            int featureWidth,
            int admissionMinCount,
            int maxTracked,
            boolean countsSteps) {
        this(
                dim,
                slotsPerValue,
                slotInit,
                initStd,
                seed,
                biasWidth,
                featureWidth,
                admissionMinCount,
                maxTracked,
                countsSteps,
                MAX_ARRAY_LENGTH);
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
        this(
                dim,
                slotsPerValue,
                slotInit,
                initStd,
                seed,
                biasWidth,
                0,
                1,
                1,
                false,
                maxArrayLength);
    }

    private EmbeddingTable(
            int dim,
            int slotsPerValue,
            float slotInit,
            double initStd,
            long seed,
            int biasWidth,
            int featureWidth,
            int admissionMinCount,
            int maxTracked,
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
        if (featureWidth < 0) {
            throw new IllegalArgumentException("featureWidth must be >= 0, got " + featureWidth);
        }
        if (admissionMinCount < 1 || maxTracked < 1) {
            throw new IllegalArgumentException(
                    "admissionMinCount and maxTracked must be >= 1, got "
                            + admissionMinCount
                            + " and "
                            + maxTracked);
        }
        this.dim = dim;
        this.slotsPerValue = slotsPerValue;
        this.biasWidth = biasWidth;
        this.slotInit = slotInit;
        this.initStd = initStd;
        this.seed = seed;
        this.maxArrayLength = maxArrayLength;
        this.values = new float[INITIAL_CAPACITY * dim];
        this.slots = new float[INITIAL_CAPACITY * dim * slotsPerValue];
        this.lastSeen = new long[INITIAL_CAPACITY];
        this.biases = new float[INITIAL_CAPACITY * biasWidth];
        this.biasSlots = new float[INITIAL_CAPACITY * biasWidth * slotsPerValue];
        this.featureWidth = featureWidth;
        this.features = new float[INITIAL_CAPACITY * featureWidth];
        this.countsSteps = countsSteps;
        this.steps = new long[countsSteps ? INITIAL_CAPACITY : 0];
        this.admissionMinCount = admissionMinCount;
        this.maxTracked = maxTracked;
        if (admissionMinCount > 1) {
            coldRow = appendRow(null);
            SplitMix64 rng = new SplitMix64(SplitMix64.derive(seed, "cold"));
            for (int i = 0; i < dim; i++) {
                values[i] = (float) (initStd * rng.nextGaussian());
            }
            freshState(coldRow);
        } else {
            coldRow = -1;
        }
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

    /** Number of rows, the cold row included. */
    public int size() {
        return ids.size();
    }

    /** Number of rows that belong to an id: {@link #size()} without the cold row. */
    public int idRows() {
        return coldRow < 0 ? ids.size() : ids.size() - 1;
    }

    /** The shared row of ids not admitted yet (row 0), or -1 when every id is admitted at once. */
    public int coldRow() {
        return coldRow;
    }

    /** Side features per row (0 when the table keeps none). */
    public int featureWidth() {
        return featureWidth;
    }

    /** Sightings an id needs before it gets its own row. */
    public int admissionMinCount() {
        return admissionMinCount;
    }

    /** Rows the arrays can hold before they grow. */
    public int capacity() {
        return lastSeen.length;
    }

    /**
     * A number that changes whenever an id gets, loses or changes its row: rows looked up by id
     * stay valid while it stays the same.
     */
    public long layoutVersion() {
        return layoutVersion;
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
        sightings.remove(id);
        int created = appendRow(id);
        initialRow(id, values, created * dim);
        freshState(created);
        return created;
    }

    /**
     * The row an id sighted in an event at {@code eventTime} trains: its own row, created on the
     * {@code admissionMinCount}-th sighting, or until then the cold row. With admission off this is
     * {@link #getOrCreate}.
     */
    public int rowForSighting(String id, long eventTime) {
        Integer row = rowsById.get(id);
        if (row != null) {
            return row;
        }
        if (coldRow < 0) {
            return getOrCreate(id);
        }
        Sighting sighting = sightings.get(id);
        if (sighting == null) {
            if (sightings.size() >= maxTracked) {
                forgetOlderHalf();
            }
            sighting = new Sighting(0, eventTime);
            sightings.put(id, sighting);
        }
        sighting.count++;
        sighting.lastSeen = Math.max(sighting.lastSeen, eventTime);
        return sighting.count >= admissionMinCount ? getOrCreate(id) : coldRow;
    }

    /** The row {@code id} is scored with: its own, the cold row when it has none, else -1. */
    public int rowOrCold(String id) {
        Integer row = rowsById.get(id);
        return row != null ? row : coldRow;
    }

    /** Number of ids without a row whose sightings are counted. */
    public int trackedSightings() {
        return sightings.size();
    }

    /** Sighting counts of ids without a row, sorted by id (a deterministic snapshot order). */
    public List<SightingCount> sightingCounts() {
        List<SightingCount> counts = new ArrayList<>(sightings.size());
        for (Map.Entry<String, Sighting> e : sightings.entrySet()) {
            counts.add(new SightingCount(e.getKey(), e.getValue().count, e.getValue().lastSeen));
        }
        counts.sort(Comparator.comparing(SightingCount::id));
        return counts;
    }

    /** Restores one sighting count, as a snapshot restore does. */
    public void restoreSighting(SightingCount count) {
        if (rowsById.containsKey(count.id())) {
            throw new IllegalArgumentException(
                    "id '" + count.id() + "' has a row and a sighting count");
        }
        sightings.put(count.id(), new Sighting(count.count(), count.lastSeen()));
    }

    /**
     * Forgets the older half of the sighting counts, by last sighting then id: a total order, so
     * which ids are forgotten does not depend on hash layout.
     */
    private void forgetOlderHalf() {
        List<SightingCount> all = sightingCounts();
        all.sort(
                Comparator.comparingLong(SightingCount::lastSeen).thenComparing(SightingCount::id));
        for (int i = 0, n = (all.size() + 1) / 2; i < n; i++) {
            sightings.remove(all.get(i).id());
        }
    }

    /** Registers a listener told about every compaction. */
    public void addRemapListener(RowRemapListener listener) {
        listeners.add(listener);
    }

    /**
     * Evicts every id row last seen before {@code cutoff}, with its slots, biases and features, and
     * the sighting counts of ids last sighted before it; the survivors move down in their order.
     * Rows never seen in an event (created by a profile or restored without a time) are stamped
     * with {@code now} instead, so they get a full TTL from the first sweep that finds them. The
     * cold row stays.
     *
     * @return for every old row its new row or -1, or null if no row was evicted (rows did not
     *     move)
     */
    public int[] evictOlderThan(long cutoff, long now) {
        sightings.values().removeIf(s -> s.lastSeen < cutoff);
        for (int row = 0; row < ids.size(); row++) {
            if (lastSeen[row] == Long.MIN_VALUE) {
                lastSeen[row] = now;
            }
        }
        return removeRowsWhere(row -> row != coldRow && lastSeen[row] < cutoff);
    }

    /**
     * Removes every id row, with its slots, biases and features; the cold row and the sighting
     * counts stay. Listeners get the mapping (every id row to -1).
     */
    public void removeIdRows() {
        int size = ids.size();
        int kept = coldRow >= 0 ? 1 : 0;
        if (size == kept) {
            return;
        }
        for (int row = kept; row < size; row++) {
            rowsById.remove(ids.get(row));
        }
        ids.subList(kept, size).clear();
        layoutVersion++;
        if (!listeners.isEmpty()) {
            int[] newRowOf = new int[size];
            Arrays.fill(newRowOf, -1);
            if (kept == 1) {
                newRowOf[coldRow] = coldRow;
            }
            for (RowRemapListener listener : listeners) {
                listener.rowsRemapped(newRowOf, kept);
            }
        }
    }

    /**
     * Removes the rows of {@code removed} (ids without a row are ignored), with their slots, biases
     * and features; the other rows move down in their order, and the cold row and the sighting
     * counts stay. Listeners get the mapping.
     *
     * @return for every old row its new row or -1, or null if no row was removed (rows did not
     *     move)
     */
    public int[] removeIdRows(Set<String> removed) {
        return removeRowsWhere(row -> ids.get(row) != null && removed.contains(ids.get(row)));
    }

    /**
     * Removes the rows {@code remove} picks; the others move down in their order and listeners get
     * the mapping. Returns it, or null if no row was removed.
     */
    private int[] removeRowsWhere(IntPredicate remove) {
        int size = ids.size();
        int[] newRowOf = null;
        int next = 0;
        for (int row = 0; row < size; row++) {
            boolean removed = remove.test(row);
            if (removed && newRowOf == null) {
                newRowOf = new int[size];
                for (int r = 0; r < row; r++) {
                    newRowOf[r] = r;
                }
            }
            if (newRowOf == null) {
                next++;
            } else if (removed) {
                newRowOf[row] = -1;
                rowsById.remove(ids.get(row));
            } else {
                newRowOf[row] = next;
                moveRow(row, next);
                next++;
            }
        }
        if (newRowOf == null) {
            return null;
        }
        ids.subList(next, size).clear();
        layoutVersion++;
        for (RowRemapListener listener : listeners) {
            listener.rowsRemapped(newRowOf, next);
        }
        return newRowOf;
    }

    private void moveRow(int from, int to) {
        if (from == to) {
            return;
        }
        int sw = dim * slotsPerValue;
        int bsw = biasWidth * slotsPerValue;
        System.arraycopy(values, from * dim, values, to * dim, dim);
        System.arraycopy(slots, from * sw, slots, to * sw, sw);
        System.arraycopy(biases, from * biasWidth, biases, to * biasWidth, biasWidth);
        System.arraycopy(biasSlots, from * bsw, biasSlots, to * bsw, bsw);
        System.arraycopy(features, from * featureWidth, features, to * featureWidth, featureWidth);
        lastSeen[to] = lastSeen[from];
        if (countsSteps) {
            steps[to] = steps[from];
        }
        String id = ids.get(from);
        ids.set(to, id);
        if (id != null) {
            rowsById.put(id, to);
        }
    }

    /** Zero biases and features, fresh slots, never seen: every row's start but its values. */
    private void freshState(int row) {
        Arrays.fill(slots, row * dim * slotsPerValue, (row + 1) * dim * slotsPerValue, slotInit);
        Arrays.fill(biases, row * biasWidth, (row + 1) * biasWidth, 0f);
        Arrays.fill(
                biasSlots,
                row * biasWidth * slotsPerValue,
                (row + 1) * biasWidth * slotsPerValue,
                slotInit);
        Arrays.fill(features, row * featureWidth, (row + 1) * featureWidth, 0f);
        lastSeen[row] = Long.MIN_VALUE;
        if (countsSteps) {
            steps[row] = 0L;
        }
    }

    /**
     * The live feature array; row r occupies {@code [r * featureWidth, (r + 1) * featureWidth)}.
     */
    public float[] features() {
        return features;
    }

    /**
     * Overwrites every array of an existing row (values, slots, biases, bias slots, last-seen), as
     * a restore of the cold row or an import of one id's state does; lengths must match.
     */
    public void overwriteRow(
            int row,
            float[] rowValues,
            float[] rowSlots,
            float[] rowBiases,
            float[] rowBiasSlots,
            long rowLastSeen) {
        overwriteRow(row, rowValues, rowSlots, rowBiases, rowBiasSlots, rowLastSeen, 0L);
    }

    /**
     * As {@link #overwriteRow(int, float[], float[], float[], float[], long)}, with the row's
     * optimizer step count (ignored when the table keeps no counters).
     */
    public void overwriteRow(
            int row,
            float[] rowValues,
            float[] rowSlots,
            float[] rowBiases,
            float[] rowBiasSlots,
            long rowLastSeen,
            long rowSteps) {
        checkSteps(String.valueOf(ids.get(row)), rowSteps);
        checkRowShapes(String.valueOf(ids.get(row)), rowValues, rowSlots, rowBiases, rowBiasSlots);
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
    }

    /** The id stored in {@code row}; null for the cold row. */
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
        return restoreRow(id, rowValues, rowSlots, zeroBiases, freshSlots, rowLastSeen);
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
        checkSteps(id, rowSteps);
        checkRowShapes(id, rowValues, rowSlots, rowBiases, rowBiasSlots);
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
        Arrays.fill(features, row * featureWidth, (row + 1) * featureWidth, 0f);
        lastSeen[row] = rowLastSeen;
        if (countsSteps) {
            steps[row] = rowSteps;
        }
        return row;
    }

    private static void checkSteps(String id, long rowSteps) {
        if (rowSteps < 0) {
            throw new IllegalArgumentException(
                    "row of '" + id + "' has step count " + rowSteps + ", expected >= 0");
        }
    }

    /** Sets the side features of {@code row}; {@code rowFeatures} has {@link #featureWidth()}. */
    public void setFeatures(int row, float[] rowFeatures) {
        if (rowFeatures.length != featureWidth) {
            throw new IllegalArgumentException(
                    "row of '"
                            + ids.get(row)
                            + "' takes "
                            + featureWidth
                            + " features, got "
                            + rowFeatures.length);
        }
        System.arraycopy(rowFeatures, 0, features, row * featureWidth, featureWidth);
    }

    private void checkRowShapes(
            String id,
            float[] rowValues,
            float[] rowSlots,
            float[] rowBiases,
            float[] rowBiasSlots) {
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
    }

    private int appendRow(String id) {
        if (id != null && rowsById.containsKey(id)) {
            throw new IllegalArgumentException("id '" + id + "' already has a row");
        }
        int row = ids.size();
        if (row == lastSeen.length) {
            grow();
        }
        if (id != null) {
            rowsById.put(id, row);
        }
        ids.add(id);
        layoutVersion++;
        return row;
    }

    private void grow() {
        long widest =
                Math.max(
                        (long) Math.max(dim, biasWidth) * Math.max(1, slotsPerValue), featureWidth);
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
        features = Arrays.copyOf(features, capacity * featureWidth);
        if (countsSteps) {
            steps = Arrays.copyOf(steps, capacity);
        }
    }
}
