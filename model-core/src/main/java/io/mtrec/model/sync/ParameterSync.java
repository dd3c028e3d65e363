package io.mtrec.model.sync;

import io.mtrec.model.MultiTaskLearner;
import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.embedding.EmbeddingTable;
import io.mtrec.model.optim.DenseParam;
import io.mtrec.model.sampling.SplitMix64;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reconciles the replicated parameters of one of K parallel trainer replicas with the others
 * through deltas: {@link #takeDelta} publishes this replica's own updates since its last delta,
 * {@link #apply} adds another replica's.
 *
 * <p><b>What is replicated.</b> Every dense parameter of the network (shared bottom, MMoE experts
 * and gates, heads, learned task log-variances, the item text projection), every item row with its
 * per-task biases, and the cold rows of both tables (with admission on). User rows are not: each
 * user belongs to one replica. Optimizer slots, step counts, the negative sampler, metrics and
 * sighting counts stay local.
 *
 * <p><b>Base.</b> The class keeps a full copy of the replicated parameters as they were after the
 * last {@link #takeDelta} or {@link #apply}, the base: about as much memory again as the replicated
 * parameters themselves (the item table's values and biases and the dense weights; not the
 * optimizer slots). A delta is {@code current - base}; taking it sets the base to current, and an
 * applied delta is added to current and base alike, so it is never published again as this
 * replica's own update (with no local step in between, the next delta is exactly zero).
 *
 * <p><b>Exactness.</b> A delta carries each change as a double: the difference of two floats is
 * exact in double (unless their magnitudes differ by more than 2^29), and the receiver adds it in
 * double and rounds once to float. So a receiver with the sender's base ends bit-identical to the
 * sender, and two replicas that exchange deltas from a common base end bit-identical to each other
 * (both round the same exact sum {@code base + dA + dB}). With three or more deltas each
 * application rounds once, so replicas that apply them in different orders may differ by a few
 * float roundings. Doubles cost twice the bytes of floats on the wire.
 *
 * <p><b>Items by id.</b> Item rows move on eviction and replicas hold them in different orders, so
 * a delta names every row by its item id, and holds only the rows whose values or biases changed. A
 * row created since the last delta has the deterministic initial row ({@link
 * EmbeddingTable#initialRow}, zero biases) as its base: a replica that first hears of the item in a
 * delta creates the same initial row and adds the delta, so all replicas hold the same vector. (An
 * item first created by a text profile starts at zero instead; its first delta still carries {@code
 * current - initial}, so a replica that creates the row from the delta matches, one that already
 * had it differs by that row's initial vector, as two replicas that created the row from different
 * first sightings would without sync.) A delta also carries the row's last-seen time, which the
 * receiver merges (latest wins): an item in use on any replica stays alive on all, and a TTL
 * eviction happens at about the same event time everywhere.
 *
 * <p><b>Eviction drops the pending delta.</b> When this replica evicts an item row, the row's own
 * updates since the last delta are dropped with it, not published: a row is evicted only after a
 * TTL without events, so what it has left to publish is at most the nudges of a few sync intervals
 * as a sampled negative, and publishing it would need a hook that runs before the table compacts.
 *
 * <p><b>Merging.</b> {@link SyncMerge} picks sum or average; averaging scales the own delta by 1/K
 * when it is taken (the replica's parameters move back accordingly) and every applied delta by 1/K.
 * The wire format carries the unscaled delta.
 *
 * <p><b>Once only.</b> Each delta carries (subtask, sequence); {@link #apply} skips a delta whose
 * sequence is not above the last applied one of its subtask (a replay after recovery) and returns
 * false. The last applied sequence per subtask and the last taken sequence are part of {@link
 * #toBytes()}, so they are restored with the base, consistently with the parameters they describe.
 * Sequences of one subtask must increase; gaps are allowed.
 *
 * <p><b>Checkpoints.</b> {@link #toBytes()} and {@link #restore} round-trip the base exactly: a
 * learner and its sync state restored from one checkpoint take the same deltas, bit for bit, as the
 * uninterrupted pair. Not thread-safe; one instance per learner.
 */
public final class ParameterSync {
    /** Version of the delta wire format this class writes and reads. */
    public static final int FORMAT_VERSION = 1;

    /** Version of the {@link #toBytes()} state format. */
    public static final int STATE_VERSION = 1;

    private static final int DELTA_MAGIC = 0x4D545344; // "MTSD"
    private static final int STATE_MAGIC = 0x4D545342; // "MTSB"
    private static final int SUBTASK_OFFSET = 8;
    private static final int SEQUENCE_OFFSET = 12;
    private static final int HEADER_BYTES = 32;
    private static final long NONE = -1L;

    private final MultiTaskLearner learner;
    private final EmbeddingTable items;
    private final EmbeddingTable users;
    private final List<DenseParam> dense;
    private final int dim;
    private final int biasWidth;
    private final int subtask;
    private final int replicas;
    private final SyncMerge merge;
    private final float denseScale;
    private final float rowScale;
    private final String shapes;
    private final long fingerprint;
    private final float[][] denseBase;
    private final float[] userColdBase;
    private final float[] userColdBiasBase;
    private float[] itemBase;
    private float[] itemBiasBase;
    private int itemBaseRows;
    private long lastSequence = NONE;
    private final long[] lastApplied;

    /**
     * Binds to {@code learner} as replica {@code subtask} of {@code replicas}, summing deltas
     * ({@link SyncMerge#SUM}).
     */
    public ParameterSync(MultiTaskLearner learner, int subtask, int replicas) {
        this(learner, subtask, replicas, SyncMerge.SUM);
    }

    /**
     * Binds to {@code learner} as replica {@code subtask} of {@code replicas}, merging deltas by
     * {@code merge}, with the learner's current parameters as the base: every replica must start
     * from the same parameters (the same config and seed, or the same snapshot) and use the same
     * {@code merge}.
     */
    public ParameterSync(MultiTaskLearner learner, int subtask, int replicas, SyncMerge merge) {
        if (replicas < 1 || subtask < 0 || subtask >= replicas) {
            throw new IllegalArgumentException(
                    "subtask must be in [0, replicas) and replicas >= 1, got subtask "
                            + subtask
                            + " of "
                            + replicas);
        }
        this.learner = learner;
        this.items = learner.network().items();
        this.users = learner.network().users();
        this.dense = learner.network().denseParams();
        this.dim = items.dim();
        this.biasWidth = items.biasWidth();
        this.subtask = subtask;
        this.replicas = replicas;
        this.merge = Objects.requireNonNull(merge, "merge");
        this.denseScale = merge == SyncMerge.SUM ? 1f : 1f / replicas;
        this.rowScale = merge == SyncMerge.AVERAGE ? 1f / replicas : 1f;
        this.shapes = describeShapes(learner, merge);
        this.fingerprint = SplitMix64.hash64(shapes);
        this.denseBase = new float[dense.size()][];
        for (int p = 0; p < dense.size(); p++) {
            denseBase[p] = dense.get(p).values().clone();
        }
        int userCold = users.coldRow();
        if (userCold >= 0) {
            userColdBase = Arrays.copyOfRange(users.values(), userCold * dim, (userCold + 1) * dim);
            userColdBiasBase =
                    Arrays.copyOfRange(
                            users.biases(), userCold * biasWidth, (userCold + 1) * biasWidth);
        } else {
            userColdBase = null;
            userColdBiasBase = null;
        }
        this.itemBase = new float[0];
        this.itemBiasBase = new float[0];
        rebaseAllItems();
        this.lastApplied = new long[replicas];
        Arrays.fill(lastApplied, NONE);
        items.addRemapListener(this::itemRowsRemapped);
    }

    /** This replica's subtask index. */
    public int subtask() {
        return subtask;
    }

    /** Number of replicas. */
    public int replicas() {
        return replicas;
    }

    /** How this replica merges deltas. */
    public SyncMerge merge() {
        return merge;
    }

    /** The sequence of the last delta taken, or -1 before the first. */
    public long lastSequence() {
        return lastSequence;
    }

    /** The sequence of the last delta applied from {@code fromSubtask}, or -1 if none. */
    public long lastApplied(int fromSubtask) {
        return lastApplied[fromSubtask];
    }

    /**
     * Encodes this replica's own updates since its last delta ({@code current - base} of every
     * replicated parameter; only changed item rows) and makes current the base. With averaging the
     * replica's parameters first move to {@code base + delta / K}.
     *
     * @param sequence the delta's sequence number, above every earlier one of this replica
     * @throws IllegalArgumentException if {@code sequence} is not above {@link #lastSequence()}
     */
    public byte[] takeDelta(long sequence) {
        if (sequence <= lastSequence) {
            throw new IllegalArgumentException(
                    "delta sequence "
                            + sequence
                            + " of subtask "
                            + subtask
                            + " must be above the last taken, "
                            + lastSequence);
        }
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(DELTA_MAGIC);
            out.writeInt(FORMAT_VERSION);
            out.writeInt(subtask);
            out.writeLong(sequence);
            out.writeInt(replicas);
            out.writeLong(fingerprint);
            out.writeInt(dense.size());
            for (int p = 0; p < dense.size(); p++) {
                float[] values = dense.get(p).values();
                out.writeInt(values.length);
                writeDeltaAndRebase(out, values, 0, denseBase[p], 0, values.length, denseScale);
            }
            out.writeInt(dim);
            out.writeInt(biasWidth);
            int userCold = users.coldRow();
            out.writeBoolean(userCold >= 0);
            out.writeBoolean(items.coldRow() >= 0);
            if (userCold >= 0) {
                writeDeltaAndRebase(
                        out, users.values(), userCold * dim, userColdBase, 0, dim, rowScale);
                writeDeltaAndRebase(
                        out,
                        users.biases(),
                        userCold * biasWidth,
                        userColdBiasBase,
                        0,
                        biasWidth,
                        rowScale);
            }
            catchUpBase();
            int itemCold = items.coldRow();
            if (itemCold >= 0) {
                writeRowDelta(out, itemCold);
            }
            List<Integer> changed = new ArrayList<>();
            for (int row = 0; row < items.size(); row++) {
                if (row != itemCold && rowChanged(row)) {
                    changed.add(row);
                }
            }
            out.writeInt(changed.size());
            for (int row : changed) {
                out.writeUTF(items.id(row));
                out.writeLong(items.lastSeen(row));
                writeRowDelta(out, row);
            }
            out.flush();
            lastSequence = sequence;
            if (denseScale != 1f) {
                learner.parametersChanged();
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Adds another replica's delta to the current parameters and to the base, creating the item
     * rows this replica does not have (from their deterministic initial rows) and merging their
     * last-seen times. Nothing changes unless the whole delta decodes and fits.
     *
     * @return false (and nothing changes) if a delta of the same subtask with this or a later
     *     sequence was applied already
     * @throws IllegalArgumentException if the delta is malformed, of another format version, made
     *     by a model of other shapes or initialisation, by a different number of replicas, or by
     *     this replica itself
     */
    public boolean apply(byte[] delta) {
        Header header = header(delta);
        checkHeader(header);
        if (header.sequence() <= lastApplied[header.subtask()]) {
            return false;
        }
        Decoded decoded = decode(delta, header);
        checkShapes(decoded, header);
        for (int p = 0; p < dense.size(); p++) {
            addScaled(dense.get(p).values(), 0, denseBase[p], 0, decoded.dense[p], denseScale);
        }
        int userCold = users.coldRow();
        if (userCold >= 0) {
            addScaled(users.values(), userCold * dim, userColdBase, 0, decoded.userCold, rowScale);
            addScaled(
                    users.biases(),
                    userCold * biasWidth,
                    userColdBiasBase,
                    0,
                    decoded.userColdBiases,
                    rowScale);
        }
        catchUpBase();
        int itemCold = items.coldRow();
        if (itemCold >= 0) {
            addRow(itemCold, decoded.itemCold, 0, decoded.itemColdBiases, 0);
        }
        for (int k = 0; k < decoded.itemIds.length; k++) {
            String id = decoded.itemIds[k];
            int row = items.rowOf(id);
            if (row < 0) {
                row = items.getOrCreate(id);
                catchUpBase();
            }
            addRow(row, decoded.itemValues, k * dim, decoded.itemBiases, k * biasWidth);
            if (decoded.itemLastSeen[k] != Long.MIN_VALUE) {
                items.touch(row, decoded.itemLastSeen[k]);
            }
        }
        lastApplied[header.subtask()] = header.sequence();
        learner.parametersChanged();
        return true;
    }

    /** The fixed-size header of a delta. */
    public record Header(
            int formatVersion, int subtask, long sequence, int replicas, long fingerprint) {}

    /**
     * Reads a delta's header without decoding the rest.
     *
     * @throws IllegalArgumentException if {@code delta} is too short or not a parameter delta
     */
    public static Header header(byte[] delta) {
        if (delta == null || delta.length < HEADER_BYTES) {
            throw new IllegalArgumentException(
                    "not a parameter delta: "
                            + (delta == null ? "null" : delta.length + " bytes")
                            + ", a delta header has "
                            + HEADER_BYTES);
        }
        ByteBuffer buffer = ByteBuffer.wrap(delta);
        if (buffer.getInt(0) != DELTA_MAGIC) {
            throw new IllegalArgumentException(
                    "not a parameter delta: magic 0x"
                            + Integer.toHexString(buffer.getInt(0))
                            + ", expected 0x"
                            + Integer.toHexString(DELTA_MAGIC));
        }
        return new Header(
                buffer.getInt(4),
                buffer.getInt(SUBTASK_OFFSET),
                buffer.getLong(SEQUENCE_OFFSET),
                buffer.getInt(20),
                buffer.getLong(24));
    }

    /** The subtask that took {@code delta}. */
    public static int subtaskOf(byte[] delta) {
        return header(delta).subtask();
    }

    /** The sequence number of {@code delta} within its subtask's deltas. */
    public static long sequenceOf(byte[] delta) {
        return header(delta).sequence();
    }

    private void checkHeader(Header header) {
        if (header.formatVersion() != FORMAT_VERSION) {
            throw new IllegalArgumentException(
                    "parameter delta of subtask "
                            + header.subtask()
                            + " has format version "
                            + header.formatVersion()
                            + "; this build reads version "
                            + FORMAT_VERSION);
        }
        if (header.replicas() != replicas) {
            throw new IllegalArgumentException(
                    "parameter delta of subtask "
                            + header.subtask()
                            + " was taken by one of "
                            + header.replicas()
                            + " replicas; this replica is one of "
                            + replicas);
        }
        if (header.subtask() < 0 || header.subtask() >= replicas) {
            throw new IllegalArgumentException(
                    "parameter delta names subtask "
                            + header.subtask()
                            + ", outside [0, "
                            + replicas
                            + ")");
        }
        if (header.subtask() == subtask) {
            throw new IllegalArgumentException(
                    "parameter delta "
                            + header.sequence()
                            + " is this replica's own (subtask "
                            + subtask
                            + "); a replica applies only the others' deltas");
        }
        if (header.fingerprint() != fingerprint) {
            throw new IllegalArgumentException(
                    "parameter delta of subtask "
                            + header.subtask()
                            + " was taken by a model of other shapes or initialisation"
                            + " (fingerprint "
                            + Long.toHexString(header.fingerprint())
                            + ", this replica's "
                            + Long.toHexString(fingerprint)
                            + ": "
                            + shapes
                            + "); replicas must share these settings");
        }
    }

    /** A delta's payload, decoded before anything is applied. */
    private static final class Decoded {
        double[][] dense;
        int dim;
        int biasWidth;
        double[] userCold;
        double[] userColdBiases;
        double[] itemCold;
        double[] itemColdBiases;
        String[] itemIds;
        long[] itemLastSeen;
        double[] itemValues;
        double[] itemBiases;
    }

    /** Decodes a delta's payload; needs no model, so shapes are checked by the caller. */
    private static Decoded decode(byte[] delta, Header header) {
        try {
            DataInputStream in =
                    new DataInputStream(
                            new ByteArrayInputStream(
                                    delta, HEADER_BYTES, delta.length - HEADER_BYTES));
            Decoded d = new Decoded();
            int n = in.readInt();
            if (n < 0 || n > delta.length / 4) {
                throw malformed(header, "dense parameter count " + n + " does not fit its length");
            }
            d.dense = new double[n][];
            for (int p = 0; p < n; p++) {
                int size = in.readInt();
                if (size < 0 || size > delta.length / 4) {
                    throw malformed(header, "dense size " + size + " does not fit its length");
                }
                d.dense[p] = readDoubles(in, size);
            }
            d.dim = in.readInt();
            d.biasWidth = in.readInt();
            if (d.dim < 1 || d.biasWidth < 0 || d.dim + d.biasWidth > delta.length / 4) {
                throw malformed(header, "row width " + d.dim + " + " + d.biasWidth);
            }
            boolean userCold = in.readBoolean();
            boolean itemCold = in.readBoolean();
            if (userCold) {
                d.userCold = readDoubles(in, d.dim);
                d.userColdBiases = readDoubles(in, d.biasWidth);
            }
            if (itemCold) {
                d.itemCold = readDoubles(in, d.dim);
                d.itemColdBiases = readDoubles(in, d.biasWidth);
            }
            int count = in.readInt();
            if (count < 0 || (long) count * (d.dim + d.biasWidth) * 8 > delta.length) {
                throw malformed(header, "item count " + count + " does not fit its length");
            }
            d.itemIds = new String[count];
            d.itemLastSeen = new long[count];
            d.itemValues = new double[count * d.dim];
            d.itemBiases = new double[count * d.biasWidth];
            for (int k = 0; k < count; k++) {
                d.itemIds[k] = in.readUTF();
                d.itemLastSeen[k] = in.readLong();
                readDoubles(in, d.itemValues, k * d.dim, d.dim);
                readDoubles(in, d.itemBiases, k * d.biasWidth, d.biasWidth);
            }
            if (in.available() > 0) {
                throw malformed(header, in.available() + " bytes left after the last item");
            }
            return d;
        } catch (EOFException e) {
            throw malformed(header, "it ends early");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Checks that a decoded delta fits this model (the fingerprint says it should; this catches a
     * delta that lies about it).
     */
    private void checkShapes(Decoded d, Header header) {
        if (d.dense.length != dense.size()) {
            throw malformed(
                    header, d.dense.length + " dense parameters, this model has " + dense.size());
        }
        for (int p = 0; p < dense.size(); p++) {
            if (d.dense[p].length != dense.get(p).size()) {
                throw malformed(
                        header,
                        dense.get(p).name()
                                + " has "
                                + d.dense[p].length
                                + " values, this model's "
                                + dense.get(p).size());
            }
        }
        if (d.dim != dim
                || d.biasWidth != biasWidth
                || (d.userCold != null) != (users.coldRow() >= 0)
                || (d.itemCold != null) != (items.coldRow() >= 0)) {
            throw malformed(
                    header,
                    "rows of "
                            + d.dim
                            + " values and "
                            + d.biasWidth
                            + " biases, cold rows "
                            + (d.userCold != null)
                            + "; this model's "
                            + dim
                            + ", "
                            + biasWidth
                            + ", "
                            + (users.coldRow() >= 0));
        }
    }

    /**
     * What a delta holds, decoded without a model: for logs, metrics and tests.
     *
     * @param itemIds the items whose rows it changes, in the sender's row order
     * @param maxAbsChange the largest absolute change of any value or bias it carries
     */
    public record Summary(Header header, List<String> itemIds, double maxAbsChange) {}

    /**
     * Decodes {@code delta} and summarises it.
     *
     * @throws IllegalArgumentException if it is not a well-formed delta of this format version
     */
    public static Summary summarize(byte[] delta) {
        Header header = header(delta);
        if (header.formatVersion() != FORMAT_VERSION) {
            throw new IllegalArgumentException(
                    "parameter delta has format version "
                            + header.formatVersion()
                            + "; this build reads version "
                            + FORMAT_VERSION);
        }
        Decoded d = decode(delta, header);
        double max = 0;
        for (double[] a : d.dense) {
            max = Math.max(max, maxAbs(a));
        }
        for (double[] a :
                new double[][] {
                    d.userCold,
                    d.userColdBiases,
                    d.itemCold,
                    d.itemColdBiases,
                    d.itemValues,
                    d.itemBiases
                }) {
            max = Math.max(max, maxAbs(a));
        }
        return new Summary(header, List.of(d.itemIds), max);
    }

    private static double maxAbs(double[] a) {
        double max = 0;
        if (a != null) {
            for (double v : a) {
                max = Math.max(max, Math.abs(v));
            }
        }
        return max;
    }

    private static IllegalArgumentException malformed(Header header, String why) {
        return new IllegalArgumentException(
                "parameter delta "
                        + header.sequence()
                        + " of subtask "
                        + header.subtask()
                        + " is malformed: "
                        + why);
    }

    /**
     * The base as bytes, with this replica's subtask, replica count, last taken sequence and last
     * applied sequence per subtask; {@link #restore} reads it. Item rows are written by id.
     */
    public byte[] toBytes() {
        catchUpBase();
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(STATE_MAGIC);
            out.writeInt(STATE_VERSION);
            out.writeLong(fingerprint);
            out.writeInt(subtask);
            out.writeInt(replicas);
            out.writeUTF(merge.configName());
            out.writeLong(lastSequence);
            for (long applied : lastApplied) {
                out.writeLong(applied);
            }
            for (float[] base : denseBase) {
                writeFloats(out, base, 0, base.length);
            }
            if (userColdBase != null) {
                writeFloats(out, userColdBase, 0, dim);
                writeFloats(out, userColdBiasBase, 0, biasWidth);
            }
            int itemCold = items.coldRow();
            if (itemCold >= 0) {
                writeFloats(out, itemBase, itemCold * dim, dim);
                writeFloats(out, itemBiasBase, itemCold * biasWidth, biasWidth);
            }
            out.writeInt(items.idRows());
            for (int row = 0; row < itemBaseRows; row++) {
                if (row == itemCold) {
                    continue;
                }
                out.writeUTF(items.id(row));
                writeFloats(out, itemBase, row * dim, dim);
                writeFloats(out, itemBiasBase, row * biasWidth, biasWidth);
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Restores the sync state written by {@link #toBytes()} for {@code learner}, restored from the
     * same checkpoint. An item row of the learner without a saved base (created after the state was
     * written) gets its initial row as base, as it would have had.
     *
     * @throws IllegalArgumentException if the bytes are not a sync state of this format, or were
     *     written for a model of other shapes or initialisation
     */
    public static ParameterSync restore(MultiTaskLearner learner, byte[] state) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(state));
            int magic = in.readInt();
            if (magic != STATE_MAGIC) {
                throw new IllegalArgumentException(
                        "not a parameter sync state: magic 0x" + Integer.toHexString(magic));
            }
            int version = in.readInt();
            if (version != STATE_VERSION) {
                throw new IllegalArgumentException(
                        "parameter sync state has version "
                                + version
                                + "; this build reads version "
                                + STATE_VERSION);
            }
            long fingerprint = in.readLong();
            int subtask = in.readInt();
            int replicas = in.readInt();
            SyncMerge merge = SyncMerge.fromConfigName(in.readUTF());
            ParameterSync sync = new ParameterSync(learner, subtask, replicas, merge);
            if (fingerprint != sync.fingerprint) {
                throw new IllegalArgumentException(
                        "parameter sync state was written for a model of other shapes or"
                                + " initialisation (fingerprint "
                                + Long.toHexString(fingerprint)
                                + ", this learner's "
                                + Long.toHexString(sync.fingerprint)
                                + ": "
                                + sync.shapes
                                + ")");
            }
            sync.lastSequence = in.readLong();
            for (int s = 0; s < replicas; s++) {
                sync.lastApplied[s] = in.readLong();
            }
            for (float[] base : sync.denseBase) {
                readFloats(in, base, 0, base.length);
            }
            if (sync.userColdBase != null) {
                readFloats(in, sync.userColdBase, 0, sync.dim);
                readFloats(in, sync.userColdBiasBase, 0, sync.biasWidth);
            }
            EmbeddingTable items = sync.items;
            int dim = sync.dim;
            int bw = sync.biasWidth;
            int itemCold = items.coldRow();
            if (itemCold >= 0) {
                readFloats(in, sync.itemBase, itemCold * dim, dim);
                readFloats(in, sync.itemBiasBase, itemCold * bw, bw);
            }
            int count = in.readInt();
            Map<String, float[]> saved = new HashMap<>(count * 2);
            for (int k = 0; k < count; k++) {
                String id = in.readUTF();
                float[] row = new float[dim + bw];
                readFloats(in, row, 0, dim + bw);
                saved.put(id, row);
            }
            // The constructor made every row's base its current value; rows with a saved base get
            // it, the others (created after the state was written) their initial row.
            for (int row = 0; row < items.size(); row++) {
                if (row == itemCold) {
                    continue;
                }
                float[] base = saved.get(items.id(row));
                if (base != null) {
                    System.arraycopy(base, 0, sync.itemBase, row * dim, dim);
                    System.arraycopy(base, dim, sync.itemBiasBase, row * bw, bw);
                } else {
                    sync.initialBase(row);
                }
            }
            return sync;
        } catch (EOFException e) {
            throw new IllegalArgumentException("parameter sync state ends early", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Gives every item row created since the base last grew its base: its initial row. */
    private void catchUpBase() {
        int size = items.size();
        if (itemBaseRows == size) {
            return;
        }
        ensureBaseCapacity(size);
        for (int row = itemBaseRows; row < size; row++) {
            initialBase(row);
        }
        itemBaseRows = size;
    }

    /** Makes every item row's current value its base, as when the replicas start. */
    private void rebaseAllItems() {
        int size = items.size();
        ensureBaseCapacity(size);
        System.arraycopy(items.values(), 0, itemBase, 0, size * dim);
        System.arraycopy(items.biases(), 0, itemBiasBase, 0, size * biasWidth);
        itemBaseRows = size;
    }

    private void ensureBaseCapacity(int rows) {
        if (itemBase.length < rows * dim) {
            int capacity = Math.max(rows, items.capacity());
            itemBase = Arrays.copyOf(itemBase, capacity * dim);
            itemBiasBase = Arrays.copyOf(itemBiasBase, capacity * biasWidth);
        }
    }

    private void initialBase(int row) {
        items.initialRow(items.id(row), itemBase, row * dim);
        Arrays.fill(itemBiasBase, row * biasWidth, (row + 1) * biasWidth, 0f);
    }

    /** Follows an eviction: the surviving rows' bases move with them, the evicted ones go. */
    private void itemRowsRemapped(int[] newRowOfOldRow, int newSize) {
        int kept = 0;
        for (int row = 0; row < itemBaseRows; row++) {
            int to = newRowOfOldRow[row];
            if (to < 0) {
                continue;
            }
            if (to != row) {
                System.arraycopy(itemBase, row * dim, itemBase, to * dim, dim);
                System.arraycopy(
                        itemBiasBase, row * biasWidth, itemBiasBase, to * biasWidth, biasWidth);
            }
            kept++;
        }
        itemBaseRows = kept;
    }

    private boolean rowChanged(int row) {
        float[] values = items.values();
        float[] biases = items.biases();
        for (int j = row * dim, end = j + dim; j < end; j++) {
            if (values[j] != itemBase[j]) {
                return true;
            }
        }
        for (int j = row * biasWidth, end = j + biasWidth; j < end; j++) {
            if (biases[j] != itemBiasBase[j]) {
                return true;
            }
        }
        return false;
    }

    private void writeRowDelta(DataOutputStream out, int row) throws IOException {
        writeDeltaAndRebase(out, items.values(), row * dim, itemBase, row * dim, dim, rowScale);
        writeDeltaAndRebase(
                out,
                items.biases(),
                row * biasWidth,
                itemBiasBase,
                row * biasWidth,
                biasWidth,
                rowScale);
    }

    /**
     * Writes {@code current - base} over {@code n} values, then makes {@code base + scale * delta}
     * both current and base (with scale 1 that is current itself, exactly).
     */
    private static void writeDeltaAndRebase(
            DataOutputStream out,
            float[] current,
            int cOff,
            float[] base,
            int bOff,
            int n,
            float scale)
            throws IOException {
        for (int i = 0; i < n; i++) {
            double delta = (double) current[cOff + i] - base[bOff + i];
            out.writeDouble(delta);
            if (scale != 1f) {
                current[cOff + i] = (float) (base[bOff + i] + scale * delta);
            }
            base[bOff + i] = current[cOff + i];
        }
    }

    /** Adds {@code scale * delta} to current and base alike. */
    private static void addScaled(
            float[] current, int cOff, float[] base, int bOff, double[] delta, float scale) {
        for (int i = 0; i < delta.length; i++) {
            double step = scale * delta[i];
            current[cOff + i] = (float) (current[cOff + i] + step);
            base[bOff + i] = (float) (base[bOff + i] + step);
        }
    }

    private void addRow(int row, double[] values, int vOff, double[] biases, int bOff) {
        float[] current = items.values();
        float[] currentBiases = items.biases();
        for (int j = 0; j < dim; j++) {
            double step = rowScale * values[vOff + j];
            current[row * dim + j] = (float) (current[row * dim + j] + step);
            itemBase[row * dim + j] = (float) (itemBase[row * dim + j] + step);
        }
        for (int t = 0; t < biasWidth; t++) {
            double step = rowScale * biases[bOff + t];
            currentBiases[row * biasWidth + t] =
                    (float) (currentBiases[row * biasWidth + t] + step);
            itemBiasBase[row * biasWidth + t] = (float) (itemBiasBase[row * biasWidth + t] + step);
        }
    }

    private static void writeFloats(DataOutputStream out, float[] a, int off, int n)
            throws IOException {
        for (int i = 0; i < n; i++) {
            out.writeFloat(a[off + i]);
        }
    }

    private static double[] readDoubles(DataInputStream in, int n) throws IOException {
        double[] a = new double[n];
        readDoubles(in, a, 0, n);
        return a;
    }

    private static void readDoubles(DataInputStream in, double[] a, int off, int n)
            throws IOException {
        for (int i = 0; i < n; i++) {
            a[off + i] = in.readDouble();
        }
    }

    private static void readFloats(DataInputStream in, float[] a, int off, int n)
            throws IOException {
        for (int i = 0; i < n; i++) {
            a[off + i] = in.readFloat();
        }
    }

    /**
     * What replicas must share for their deltas to mean the same thing: the shapes of every
     * replicated parameter and what a new row starts as.
     */
    private static String describeShapes(MultiTaskLearner learner, SyncMerge merge) {
        ModelConfig config = learner.config();
        StringBuilder s = new StringBuilder();
        s.append("embedding.dim=").append(config.embeddingDim());
        s.append(", seed=").append(config.seed());
        s.append(", init.std=").append(config.initStd());
        s.append(", cold rows=").append(config.admissionMinCount() > 1);
        s.append(", sync.merge=").append(merge.configName());
        s.append(", dense=[");
        List<DenseParam> params = learner.network().denseParams();
        for (int p = 0; p < params.size(); p++) {
            s.append(p == 0 ? "" : ", ").append(params.get(p).name());
            s.append(':').append(params.get(p).size());
        }
        return s.append(']').toString();
    }
}
