package io.mtrec.model.snapshot;

import io.mtrec.model.UserRowState;
import io.mtrec.model.config.Architecture;
import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.config.NegativeSamplerKind;
import io.mtrec.model.config.PurchaseTraining;
import io.mtrec.model.config.RatingLoss;
import io.mtrec.model.config.TaskWeighting;
import io.mtrec.model.embedding.EmbeddingTable;
import io.mtrec.model.metrics.ProgressiveMetrics;
import io.mtrec.model.network.MultiTaskNetwork;
import io.mtrec.model.optim.DenseParam;
import io.mtrec.model.optim.Optimizer;
import io.mtrec.model.sampling.NegativeSampler;
import io.mtrec.model.sampling.PopularityNegativeSampler;
import io.mtrec.model.sampling.UniformNegativeSampler;
import io.mtrec.model.tasks.PendingClicks;
import io.mtrec.model.tasks.PendingClicks.PendingClick;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * The versioned binary snapshot format of a {@link LearnerState}.
 *
 * <p>Format 3, big-endian:
 *
 * <pre>
 * int   magic 'MTRS'           int   format version (3)
 * CONF  int n, n x (str key, str value)          -- ModelConfig.toMap()
 * CNTR  long version, eventClock, nanBatchesSkipped, eventsLearned, lastSweepClock
 * USER  table                  ITEM  table
 *       table = int dim, int slotsPerValue, long seed, int biasWidth, int featureWidth,
 *               int coldRow (-1: none), int stepCounters (0|1), int rows,
 *               rows x (str id ("" for the cold row), long lastSeen, [long steps if stepCounters],
 *                       float[dim] values, float[dim*slots] slots, float[biasWidth] biases,
 *                       float[biasWidth*slots] bias slots, float[featureWidth] features),
 *               int n, n x (str id, int count, long lastSeen)   -- sightings of ids without a row
 * DENS  int n, n x (str name, int size, int slotCount, long steps, float[size], float[slotCount])
 *                              -- MultiTaskNetwork.denseParams(), MMoE experts and gates included;
 *                              with task.weighting=uncertainty, task.log.variance before P
 * PEND  long nextSeq, int n, n x (long seq, str user, str item, long eventTime,
 *                                  float purchasePrediction)
 * SMPL  long generator state; for negatives.sampler=popularity also
 *       int n, long[n] clicks per item row, int b, long[b] clicks when the alias table was built
 * METR  ProgressiveMetrics.writeTo
 * END!  long CRC-32 of every byte before it
 * </pre>
 *
 * Format 3 added the {@code architecture}, {@code mmoe.experts} and {@code mmoe.expert.hidden}
 * config entries and, for {@code architecture=mmoe}, the experts' and gates' weights and biases in
 * DENS; the loss settings in CONF ({@code purchase.training}, {@code task.weighting}, {@code
 * rating.loss}, {@code rating.huber.delta}) and, when the task weights are learned, their dense
 * parameter; the item table's features (the items' text embeddings), the text projection as the
 * last dense parameter when {@code item.text.dim} > 0, and {@code lastSweepClock}, {@code
 * featureWidth}, {@code coldRow} and the sighting counts of TTL eviction and frequency admission;
 * {@code stepCounters}, the rows' and dense parameters' optimizer step counts (only Adam reads
 * them) and the popularity sampler's counts.
 *
 * <p>Format 2 is format 3 without those: it is read as {@code architecture=shared-bottom} with
 * {@code negatives.sampler=uniform} (the only sampler it knew), {@code
 * purchase.training=click-space}, static task weights and squared-error ratings (the losses it was
 * trained with, whatever today's defaults are), the last sweep unknown ({@link Long#MIN_VALUE}),
 * step counts 0, and its configuration has no TTL, admission or text parameters, so their defaults
 * (off) reproduce its behaviour. Format 1 is format 2 without {@code biasWidth}, the row biases and
 * the pending clicks' predictions; it is still read, with zero biases (fresh bias slots) and
 * unscored pending clicks.
 *
 * <p>{@code str} is an int byte count and UTF-8 bytes; each section starts with its 4-letter tag.
 * Floats are written with their exact bits, so decode(encode(s)) continues training
 * bit-identically. Shapes are checked against the configuration on read; every mismatch names the
 * expected and the found value. A reader for a newer format keeps its older readers, with golden
 * files in the tests.
 */
public final class SnapshotCodec {
    /** 'MTRS'. */
    public static final int MAGIC = 0x4D545253;

    public static final int FORMAT_VERSION = 3;

    /** Oldest format version this reader accepts. */
    public static final int OLDEST_READABLE_VERSION = 1;

    private static final int TAG_CONFIG = tag("CONF");
    private static final int TAG_COUNTERS = tag("CNTR");
    private static final int TAG_USERS = tag("USER");
    private static final int TAG_ITEMS = tag("ITEM");
    private static final int TAG_DENSE = tag("DENS");
    private static final int TAG_PENDING = tag("PEND");
    private static final int TAG_SAMPLER = tag("SMPL");
    private static final int TAG_METRICS = tag("METR");
    private static final int TAG_END = tag("END!");
    private static final int TRAILER_BYTES = 8;

    private SnapshotCodec() {}

    /** Writes {@code state} in format {@value #FORMAT_VERSION}. */
    public static byte[] encode(LearnerState state) {
        return encode(state, null);
    }

    /**
     * Writes {@code state} in format {@value #FORMAT_VERSION} with {@code userRows}, in their
     * order, as the user table's id rows instead of the table's own (its cold row and sighting
     * counts stay): the bytes of the state after its users were forgotten and these imported,
     * written without building that table. Null: the table's own rows.
     *
     * @throws IllegalArgumentException if an id comes twice or a row does not fit the table
     */
    public static byte[] encode(LearnerState state, List<UserRowState> userRows) {
        if (userRows != null) {
            checkRows(state.network().users(), userRows);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 16);
        Output out = new Output(new DataOutputStream(bytes));
        try {
            out.data.writeInt(MAGIC);
            out.data.writeInt(FORMAT_VERSION);

            out.data.writeInt(TAG_CONFIG);
            Map<String, String> config = state.config().toMap();
            out.data.writeInt(config.size());
            for (Map.Entry<String, String> entry : config.entrySet()) {
                out.string(entry.getKey());
                out.string(entry.getValue());
            }

            out.data.writeInt(TAG_COUNTERS);
            out.data.writeLong(state.version());
            out.data.writeLong(state.eventClock());
            out.data.writeLong(state.nanBatchesSkipped());
            out.data.writeLong(state.eventsLearned());
            out.data.writeLong(state.lastSweepClock());

            out.data.writeInt(TAG_USERS);
            writeTable(out, state.network().users(), userRows);
            out.data.writeInt(TAG_ITEMS);
            writeTable(out, state.network().items(), null);

            out.data.writeInt(TAG_DENSE);
            List<DenseParam> params = state.network().denseParams();
            out.data.writeInt(params.size());
            for (DenseParam param : params) {
                out.string(param.name());
                out.data.writeInt(param.size());
                out.data.writeInt(param.slots().length);
                out.data.writeLong(param.steps());
                out.floats(param.values(), 0, param.size());
                out.floats(param.slots(), 0, param.slots().length);
            }

            out.data.writeInt(TAG_PENDING);
            List<PendingClick> pending = state.pending().entries();
            out.data.writeLong(state.pending().nextSeq());
            out.data.writeInt(pending.size());
            for (PendingClick click : pending) {
                out.data.writeLong(click.seq());
                out.string(click.userId());
                out.string(click.itemId());
                out.data.writeLong(click.eventTime());
                out.data.writeFloat(click.purchasePrediction());
            }

            out.data.writeInt(TAG_SAMPLER);
            NegativeSampler sampler = state.sampler();
            out.data.writeLong(sampler.rngState());
            if (sampler instanceof PopularityNegativeSampler popularity) {
                writeLongs(out, popularity.counts());
                writeLongs(out, popularity.builtCounts());
            }

            out.data.writeInt(TAG_METRICS);
            state.metrics().writeTo(out.data);

            out.data.writeInt(TAG_END);
            out.data.flush();
            CRC32 crc = new CRC32();
            byte[] body = bytes.toByteArray();
            crc.update(body, 0, body.length);
            out.data.writeLong(crc.getValue());
            out.data.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The format version in the header of {@code bytes}, after checking the magic. */
    public static int formatVersionOf(byte[] bytes) {
        if (bytes.length < 8) {
            throw new SnapshotFormatException(
                    "not an mtrec model snapshot: "
                            + bytes.length
                            + " bytes, too short for a header");
        }
        ByteBuffer header = ByteBuffer.wrap(bytes, 0, 8);
        int magic = header.getInt();
        if (magic != MAGIC) {
            throw new SnapshotFormatException(
                    String.format(
                            "not an mtrec model snapshot: expected magic 0x%08X ('MTRS'), found"
                                    + " 0x%08X",
                            MAGIC, magic));
        }
        return header.getInt();
    }

    /** Reads a snapshot; throws {@link SnapshotFormatException} naming what did not match. */
    public static LearnerState decode(byte[] bytes) {
        int format = formatVersionOf(bytes);
        if (format < OLDEST_READABLE_VERSION || format > FORMAT_VERSION) {
            throw new SnapshotFormatException(
                    "unsupported snapshot format version "
                            + format
                            + "; this reader supports versions "
                            + OLDEST_READABLE_VERSION
                            + " to "
                            + FORMAT_VERSION);
        }
        int bodyLength = bytes.length - TRAILER_BYTES;
        if (bodyLength < 12) {
            throw new SnapshotFormatException(
                    "snapshot truncated: " + bytes.length + " bytes, no room for sections");
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bodyLength);
        long stored = ByteBuffer.wrap(bytes, bodyLength, TRAILER_BYTES).getLong();
        if (stored != crc.getValue()) {
            throw new SnapshotFormatException(
                    String.format(
                            "snapshot checksum mismatch: expected CRC-32 0x%08X (stored), computed"
                                    + " 0x%08X; the bytes are truncated or corrupt",
                            stored, crc.getValue()));
        }
        ByteArrayInputStream stream = new ByteArrayInputStream(bytes, 8, bodyLength - 8);
        Input in = new Input(new DataInputStream(stream));
        try {
            LearnerState state = read(in, format);
            if (stream.available() != 0) {
                throw new SnapshotFormatException(
                        "snapshot has " + stream.available() + " bytes after its END! section");
            }
            return state;
        } catch (EOFException e) {
            throw new SnapshotFormatException("snapshot truncated inside a section", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static LearnerState read(Input in, int format) throws IOException {
        in.expectTag(TAG_CONFIG);
        int entries = in.count("config entries");
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < entries; i++) {
            map.put(in.string(), in.string());
        }
        if (format < 3) {
            map.putIfAbsent(
                    ModelConfig.ARCHITECTURE.name(),
                    ModelConfig.ARCHITECTURE.format(Architecture.SHARED_BOTTOM));
            // Older writers knew only uniform negatives; the new default would change their model.
            map.putIfAbsent(
                    ModelConfig.NEGATIVES_SAMPLER.name(), NegativeSamplerKind.UNIFORM.configName());
            map.putIfAbsent(
                    ModelConfig.PURCHASE_TRAINING.name(),
                    PurchaseTraining.CLICK_SPACE.configName());
            map.putIfAbsent(ModelConfig.TASK_WEIGHTING.name(), TaskWeighting.STATIC.configName());
            map.putIfAbsent(ModelConfig.RATING_LOSS.name(), RatingLoss.MSE.configName());
            // Every value of their rows fed every head.
            map.putIfAbsent(ModelConfig.PURCHASE_PRIVATE_FRACTION.name(), "0.0");
        }
        ModelConfig config;
        try {
            config = ModelConfig.fromMap(map);
        } catch (IllegalArgumentException e) {
            throw new SnapshotFormatException("snapshot config rejected: " + e.getMessage(), e);
        }

        in.expectTag(TAG_COUNTERS);
        long version = in.data.readLong();
        long eventClock = in.data.readLong();
        long nanBatchesSkipped = in.data.readLong();
        long eventsLearned = in.data.readLong();
        long lastSweepClock = format >= 3 ? in.data.readLong() : Long.MIN_VALUE;

        Optimizer optimizer = Optimizer.fromConfig(config);
        MultiTaskNetwork network = MultiTaskNetwork.create(config, optimizer);
        in.expectTag(TAG_USERS);
        readTable(in, format, "user", network.users(), config);
        in.expectTag(TAG_ITEMS);
        readTable(in, format, "item", network.items(), config);

        in.expectTag(TAG_DENSE);
        List<DenseParam> params = network.denseParams();
        int count = in.count("dense parameters");
        if (count != params.size()) {
            throw new SnapshotFormatException(
                    "dense parameters: expected "
                            + params.size()
                            + " (bottom.layers="
                            + config.bottomLayers()
                            + mmoeContext(config)
                            + ", 3 heads, task.weighting="
                            + config.taskWeighting()
                            + "), found "
                            + count);
        }
        for (DenseParam param : params) {
            String name = in.string();
            int size = in.data.readInt();
            int slots = in.data.readInt();
            long steps = format >= 3 ? in.data.readLong() : 0L;
            if (!name.equals(param.name())
                    || size != param.size()
                    || slots != param.slots().length) {
                throw new SnapshotFormatException(
                        String.format(
                                "dense parameter shape mismatch: expected '%s' with %d values and"
                                        + " %d slots (embedding.dim=%d, bottom.hidden=%d,"
                                        + " optimizer=%s%s), found '%s' with %d values and %d"
                                        + " slots",
                                param.name(),
                                param.size(),
                                param.slots().length,
                                config.embeddingDim(),
                                config.bottomHidden(),
                                config.optimizer(),
                                mmoeContext(config),
                                name,
                                size,
                                slots));
            }
            float[] values = new float[size];
            float[] slotValues = new float[slots];
            in.floats(values);
            in.floats(slotValues);
            try {
                param.restore(values, slotValues, steps);
            } catch (IllegalArgumentException e) {
                throw new SnapshotFormatException("dense parameter " + e.getMessage(), e);
            }
        }
        network.syncWeights();

        in.expectTag(TAG_PENDING);
        long nextSeq = in.data.readLong();
        int pendingCount = in.count("pending clicks");
        List<PendingClick> clicks = new ArrayList<>(pendingCount);
        for (int i = 0; i < pendingCount; i++) {
            long seq = in.data.readLong();
            String userId = in.string();
            String itemId = in.string();
            long eventTime = in.data.readLong();
            float prediction = format >= 2 ? in.data.readFloat() : Float.NaN;
            clicks.add(new PendingClick(seq, userId, itemId, eventTime, prediction));
        }
        PendingClicks pending;
        try {
            pending = PendingClicks.restore(nextSeq, clicks);
        } catch (IllegalArgumentException e) {
            throw new SnapshotFormatException("pending clicks: " + e.getMessage(), e);
        }

        in.expectTag(TAG_SAMPLER);
        long samplerState = in.data.readLong();
        NegativeSampler sampler;
        if (config.negativesSampler() == NegativeSamplerKind.POPULARITY) {
            long[] counts = readLongs(in, "popularity counts");
            long[] builtCounts = readLongs(in, "popularity counts at the last build");
            if (counts.length != network.items().size()) {
                throw new SnapshotFormatException(
                        "popularity sampler: expected click counts for the "
                                + network.items().size()
                                + " item rows, found "
                                + counts.length);
            }
            try {
                sampler =
                        PopularityNegativeSampler.restore(
                                config, samplerState, counts, builtCounts);
            } catch (IllegalArgumentException e) {
                throw new SnapshotFormatException("popularity sampler: " + e.getMessage(), e);
            }
        } else {
            sampler = new UniformNegativeSampler(samplerState);
        }

        in.expectTag(TAG_METRICS);
        ProgressiveMetrics metrics = ProgressiveMetrics.readFrom(in.data);
        int window = metrics.click().window();
        if (window != config.metricsWindow()) {
            throw new SnapshotFormatException(
                    "metrics window: expected "
                            + config.metricsWindow()
                            + " (metrics.window), found "
                            + window);
        }
        in.expectTag(TAG_END);
        return new LearnerState(
                config,
                version,
                eventClock,
                nanBatchesSkipped,
                eventsLearned,
                lastSweepClock,
                network,
                pending,
                sampler,
                metrics);
    }

    /** The MMoE sizes that shape the dense parameters, for error messages; empty otherwise. */
    private static String mmoeContext(ModelConfig config) {
        String privateValues =
                config.purchasePrivateDims() == 0
                        ? ""
                        : ", purchase.private.fraction=" + config.purchasePrivateFraction();
        if (config.architecture() != Architecture.MMOE) {
            return privateValues;
        }
        return privateValues
                + ", architecture=mmoe, mmoe.experts="
                + config.mmoeExperts()
                + ", mmoe.expert.hidden="
                + config.mmoeExpertHidden();
    }

    private static void checkRows(EmbeddingTable table, List<UserRowState> rows) {
        int dim = table.dim();
        int slots = table.slotsPerValue();
        int biasWidth = table.biasWidth();
        Set<String> seen = new HashSet<>();
        for (UserRowState row : rows) {
            if (!seen.add(row.userId())) {
                throw new IllegalArgumentException("user '" + row.userId() + "' comes twice");
            }
            if (row.values().length != dim
                    || row.slots().length != dim * slots
                    || row.biases().length != biasWidth
                    || row.biasSlots().length != biasWidth * slots) {
                throw new IllegalArgumentException(
                        String.format(
                                "user state of '%s' has %d values, %d slots, %d biases and %d bias"
                                        + " slots; expected %d, %d, %d and %d",
                                row.userId(),
                                row.values().length,
                                row.slots().length,
                                row.biases().length,
                                row.biasSlots().length,
                                dim,
                                dim * slots,
                                biasWidth,
                                biasWidth * slots));
            }
        }
    }

    /**
     * Writes {@code table}; with {@code idRows} its cold row (if any) and then those rows, with
     * zero features and their step counts if the table keeps them, in place of its id rows.
     */
    private static void writeTable(Output out, EmbeddingTable table, List<UserRowState> idRows)
            throws IOException {
        int dim = table.dim();
        int slotWidth = dim * table.slotsPerValue();
        out.data.writeInt(dim);
        out.data.writeInt(table.slotsPerValue());
        out.data.writeLong(table.seed());
        int biasWidth = table.biasWidth();
        int biasSlotWidth = biasWidth * table.slotsPerValue();
        out.data.writeInt(biasWidth);
        int featureWidth = table.featureWidth();
        out.data.writeInt(featureWidth);
        out.data.writeInt(table.coldRow());
        out.data.writeInt(table.countsSteps() ? 1 : 0);
        int rows = idRows == null ? table.size() : (table.coldRow() >= 0 ? 1 : 0);
        out.data.writeInt(idRows == null ? rows : rows + idRows.size());
        for (int row = 0; row < rows; row++) {
            String id = table.id(row);
            out.string(id == null ? "" : id);
            out.data.writeLong(table.lastSeen(row));
            if (table.countsSteps()) {
                out.data.writeLong(table.steps(row));
            }
            out.floats(table.values(), row * dim, dim);
            out.floats(table.slots(), row * slotWidth, slotWidth);
            out.floats(table.biases(), row * biasWidth, biasWidth);
            out.floats(table.biasSlots(), row * biasSlotWidth, biasSlotWidth);
            out.floats(table.features(), row * featureWidth, featureWidth);
        }
        if (idRows != null) {
            float[] noFeatures = new float[featureWidth];
            for (UserRowState row : idRows) {
                out.string(row.userId());
                out.data.writeLong(row.lastSeen());
                if (table.countsSteps()) {
                    out.data.writeLong(row.steps());
                }
                float[] values = row.values();
                float[] slots = row.slots();
                float[] biases = row.biases();
                float[] biasSlots = row.biasSlots();
                out.floats(values, 0, values.length);
                out.floats(slots, 0, slots.length);
                out.floats(biases, 0, biases.length);
                out.floats(biasSlots, 0, biasSlots.length);
                out.floats(noFeatures, 0, featureWidth);
            }
        }
        List<EmbeddingTable.SightingCount> sightings = table.sightingCounts();
        out.data.writeInt(sightings.size());
        for (EmbeddingTable.SightingCount sighting : sightings) {
            out.string(sighting.id());
            out.data.writeInt(sighting.count());
            out.data.writeLong(sighting.lastSeen());
        }
    }

    private static void readTable(
            Input in, int format, String what, EmbeddingTable table, ModelConfig config)
            throws IOException {
        int dim = in.data.readInt();
        int slotsPerValue = in.data.readInt();
        long seed = in.data.readLong();
        int biasWidth = format >= 2 ? in.data.readInt() : 0;
        int featureWidth = format >= 3 ? in.data.readInt() : 0;
        int coldRow = format >= 3 ? in.data.readInt() : -1;
        if (featureWidth != table.featureWidth()) {
            throw new SnapshotFormatException(
                    what
                            + " table: expected "
                            + table.featureWidth()
                            + " features per row (item.text.dim for items, 0 for users), found "
                            + featureWidth);
        }
        if (coldRow != table.coldRow()) {
            throw new SnapshotFormatException(
                    what
                            + " table: expected cold row "
                            + table.coldRow()
                            + " (embedding.admission.min.count="
                            + config.admissionMinCount()
                            + "), found "
                            + coldRow);
        }
        boolean stepCounters = format >= 3 ? readFlag(in, what) : table.countsSteps();
        if (stepCounters != table.countsSteps()) {
            throw new SnapshotFormatException(
                    what
                            + " table: expected "
                            + (table.countsSteps() ? "" : "no ")
                            + "per-row step counters (optimizer="
                            + config.optimizer()
                            + "), found "
                            + (stepCounters ? "them" : "none"));
        }
        if (format >= 2 && biasWidth != table.biasWidth()) {
            throw new SnapshotFormatException(
                    what
                            + " table: expected "
                            + table.biasWidth()
                            + " biases per row (one per task), found "
                            + biasWidth);
        }
        if (dim != table.dim()) {
            throw new SnapshotFormatException(
                    what
                            + " table: expected dim "
                            + table.dim()
                            + " (embedding.dim), found "
                            + dim);
        }
        if (slotsPerValue != table.slotsPerValue()) {
            throw new SnapshotFormatException(
                    what
                            + " table: expected "
                            + table.slotsPerValue()
                            + " optimizer slots per value (optimizer="
                            + config.optimizer()
                            + "), found "
                            + slotsPerValue);
        }
        if (seed != table.seed()) {
            throw new SnapshotFormatException(
                    String.format(
                            "%s table: expected seed 0x%016X (derived from seed=%d), found 0x%016X",
                            what, table.seed(), config.seed(), seed));
        }
        int rows = in.count(what + " rows");
        float[] values = new float[dim];
        float[] slots = new float[dim * slotsPerValue];
        float[] biases = new float[biasWidth];
        float[] biasSlots = new float[biasWidth * slotsPerValue];
        float[] features = new float[featureWidth];
        if (coldRow >= 0 && rows <= coldRow) {
            throw new SnapshotFormatException(
                    what + " table: cold row " + coldRow + " missing, found " + rows + " rows");
        }
        for (int row = 0; row < rows; row++) {
            String id = in.string();
            long lastSeen = in.data.readLong();
            long steps = format >= 3 && stepCounters ? in.data.readLong() : 0L;
            in.floats(values);
            in.floats(slots);
            try {
                if (format >= 2) {
                    in.floats(biases);
                    in.floats(biasSlots);
                    in.floats(features);
                    int restored;
                    if (row == coldRow) {
                        restored = coldRow;
                        table.overwriteRow(
                                coldRow, values, slots, biases, biasSlots, lastSeen, steps);
                    } else {
                        restored =
                                table.restoreRow(
                                        id, values, slots, biases, biasSlots, lastSeen, steps);
                    }
                    table.setFeatures(restored, features);
                } else {
                    table.restoreRow(id, values, slots, lastSeen);
                }
            } catch (IllegalArgumentException e) {
                throw new SnapshotFormatException(what + " table: " + e.getMessage(), e);
            }
        }
        int sightings = format >= 3 ? in.count(what + " sighting counts") : 0;
        for (int i = 0; i < sightings; i++) {
            String id = in.string();
            int count = in.data.readInt();
            long lastSeen = in.data.readLong();
            try {
                table.restoreSighting(new EmbeddingTable.SightingCount(id, count, lastSeen));
            } catch (IllegalArgumentException e) {
                throw new SnapshotFormatException(what + " table: " + e.getMessage(), e);
            }
        }
    }

    private static boolean readFlag(Input in, String what) throws IOException {
        int flag = in.data.readInt();
        if (flag != 0 && flag != 1) {
            throw new SnapshotFormatException(
                    what + " table: step counter flag must be 0 or 1, found " + flag);
        }
        return flag == 1;
    }

    private static void writeLongs(Output out, long[] values) throws IOException {
        out.data.writeInt(values.length);
        for (long value : values) {
            out.data.writeLong(value);
        }
    }

    private static long[] readLongs(Input in, String what) throws IOException {
        int n = in.count(what);
        if ((long) n * Long.BYTES > in.data.available()) {
            throw new SnapshotFormatException(
                    what
                            + ": count "
                            + n
                            + " does not fit the "
                            + in.data.available()
                            + " bytes left");
        }
        long[] values = new long[n];
        for (int i = 0; i < n; i++) {
            values[i] = in.data.readLong();
        }
        return values;
    }

    private static int tag(String name) {
        byte[] b = name.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.wrap(b).getInt();
    }

    private static String tagName(int tag) {
        byte[] b = ByteBuffer.allocate(4).putInt(tag).array();
        for (byte c : b) {
            if (c < 0x20 || c > 0x7E) {
                return String.format("0x%08X", tag);
            }
        }
        return "'" + new String(b, StandardCharsets.US_ASCII) + "'";
    }

    /** Bulk float and string writing over a DataOutputStream. */
    private static final class Output {
        final DataOutputStream data;
        private final ByteBuffer scratch = ByteBuffer.allocate(4096);

        Output(DataOutputStream data) {
            this.data = data;
        }

        void string(String s) throws IOException {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            data.writeInt(utf8.length);
            data.write(utf8);
        }

        void floats(float[] values, int off, int len) throws IOException {
            int done = 0;
            while (done < len) {
                scratch.clear();
                int n = Math.min(len - done, scratch.capacity() / 4);
                for (int i = 0; i < n; i++) {
                    scratch.putInt(Float.floatToRawIntBits(values[off + done + i]));
                }
                data.write(scratch.array(), 0, n * 4);
                done += n;
            }
        }
    }

    /** Bulk float and string reading with checked counts. */
    private static final class Input {
        final DataInputStream data;
        private final ByteBuffer scratch = ByteBuffer.allocate(4096);

        Input(DataInputStream data) {
            this.data = data;
        }

        void expectTag(int expected) throws IOException {
            int found = data.readInt();
            if (found != expected) {
                throw new SnapshotFormatException(
                        "snapshot section out of place: expected "
                                + tagName(expected)
                                + ", found "
                                + tagName(found));
            }
        }

        int count(String what) throws IOException {
            int n = data.readInt();
            if (n < 0 || n > data.available()) {
                throw new SnapshotFormatException(
                        what
                                + ": count "
                                + n
                                + " does not fit the "
                                + data.available()
                                + " bytes left");
            }
            return n;
        }

        String string() throws IOException {
            int n = count("string length");
            byte[] utf8 = new byte[n];
            data.readFully(utf8);
            return new String(utf8, StandardCharsets.UTF_8);
        }

        void floats(float[] values) throws IOException {
            int done = 0;
            while (done < values.length) {
                int n = Math.min(values.length - done, scratch.capacity() / 4);
                data.readFully(scratch.array(), 0, n * 4);
                scratch.clear();
                for (int i = 0; i < n; i++) {
                    values[done + i] = Float.intBitsToFloat(scratch.getInt());
                }
                done += n;
            }
        }
    }
}
