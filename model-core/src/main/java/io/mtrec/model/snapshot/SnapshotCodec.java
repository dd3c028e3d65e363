package io.mtrec.model.snapshot;

import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.config.PurchaseTraining;
import io.mtrec.model.config.RatingLoss;
import io.mtrec.model.config.TaskWeighting;
import io.mtrec.model.embedding.EmbeddingTable;
import io.mtrec.model.metrics.ProgressiveMetrics;
import io.mtrec.model.network.MultiTaskNetwork;
import io.mtrec.model.optim.DenseParam;
import io.mtrec.model.optim.Optimizer;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * The versioned binary snapshot format of a {@link LearnerState}.
 *
 * <p>Format 3, big-endian:
 *
 * <pre>
 * int   magic 'MTRS'           int   format version (3)
 * CONF  int n, n x (str key, str value)          -- ModelConfig.toMap()
 * CNTR  long version, eventClock, nanBatchesSkipped, eventsLearned
 * USER  table                  ITEM  table
 *       table = int dim, int slotsPerValue, long seed, int biasWidth, int rows,
 *               rows x (str id, long lastSeen, float[dim] values, float[dim*slots] slots,
 *                       float[biasWidth] biases, float[biasWidth*slots] bias slots)
 * DENS  int n, n x (str name, int size, int slotCount, float[size], float[slotCount])
 *                              -- with task.weighting=uncertainty, last: task.log.variance
 * PEND  long nextSeq, int n, n x (long seq, str user, str item, long eventTime,
 *                                  float purchasePrediction)
 * SMPL  long sampler state
 * METR  ProgressiveMetrics.writeTo
 * END!  long CRC-32 of every byte before it
 * </pre>
 *
 * Format 3 is format 2 plus the loss settings in CONF ({@code purchase.training}, {@code
 * task.weighting}, {@code rating.loss}, {@code rating.huber.delta}) and, when the task weights are
 * learned, their dense parameter. Formats 1 and 2 predate those settings: they are read with {@code
 * purchase.training=click-space}, static task weights and squared-error ratings, the losses they
 * were trained with, whatever today's defaults are.
 *
 * <p>Format 1 is format 2 without {@code biasWidth}, the row biases and the pending clicks'
 * predictions; it is still read, with zero biases (fresh bias slots) and unscored pending clicks.
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

            out.data.writeInt(TAG_USERS);
            writeTable(out, state.network().users());
            out.data.writeInt(TAG_ITEMS);
            writeTable(out, state.network().items());

            out.data.writeInt(TAG_DENSE);
            List<DenseParam> params = state.network().denseParams();
            out.data.writeInt(params.size());
            for (DenseParam param : params) {
                out.string(param.name());
                out.data.writeInt(param.size());
                out.data.writeInt(param.slots().length);
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
            out.data.writeLong(state.samplerState());

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
                    ModelConfig.PURCHASE_TRAINING.name(),
                    PurchaseTraining.CLICK_SPACE.configName());
            map.putIfAbsent(ModelConfig.TASK_WEIGHTING.name(), TaskWeighting.STATIC.configName());
            map.putIfAbsent(ModelConfig.RATING_LOSS.name(), RatingLoss.MSE.configName());
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
                            + ", 3 heads, task.weighting="
                            + config.taskWeighting()
                            + "), found "
                            + count);
        }
        for (DenseParam param : params) {
            String name = in.string();
            int size = in.data.readInt();
            int slots = in.data.readInt();
            if (!name.equals(param.name())
                    || size != param.size()
                    || slots != param.slots().length) {
                throw new SnapshotFormatException(
                        String.format(
                                "dense parameter shape mismatch: expected '%s' with %d values and"
                                        + " %d slots (embedding.dim=%d, bottom.hidden=%d,"
                                        + " optimizer=%s), found '%s' with %d values and %d slots",
                                param.name(),
                                param.size(),
                                param.slots().length,
                                config.embeddingDim(),
                                config.bottomHidden(),
                                config.optimizer(),
                                name,
                                size,
                                slots));
            }
            float[] values = new float[size];
            float[] slotValues = new float[slots];
            in.floats(values);
            in.floats(slotValues);
            param.restore(values, slotValues);
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
                network,
                pending,
                samplerState,
                metrics);
    }

    private static void writeTable(Output out, EmbeddingTable table) throws IOException {
        int dim = table.dim();
        int slotWidth = dim * table.slotsPerValue();
        out.data.writeInt(dim);
        out.data.writeInt(table.slotsPerValue());
        out.data.writeLong(table.seed());
        int biasWidth = table.biasWidth();
        int biasSlotWidth = biasWidth * table.slotsPerValue();
        out.data.writeInt(biasWidth);
        out.data.writeInt(table.size());
        for (int row = 0; row < table.size(); row++) {
            out.string(table.id(row));
            out.data.writeLong(table.lastSeen(row));
            out.floats(table.values(), row * dim, dim);
            out.floats(table.slots(), row * slotWidth, slotWidth);
            out.floats(table.biases(), row * biasWidth, biasWidth);
            out.floats(table.biasSlots(), row * biasSlotWidth, biasSlotWidth);
        }
    }

    private static void readTable(
            Input in, int format, String what, EmbeddingTable table, ModelConfig config)
            throws IOException {
        int dim = in.data.readInt();
        int slotsPerValue = in.data.readInt();
        long seed = in.data.readLong();
        int biasWidth = format >= 2 ? in.data.readInt() : 0;
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
        for (int row = 0; row < rows; row++) {
            String id = in.string();
            long lastSeen = in.data.readLong();
            in.floats(values);
            in.floats(slots);
            try {
                if (format >= 2) {
                    in.floats(biases);
                    in.floats(biasSlots);
                    table.restoreRow(id, values, slots, biases, biasSlots, lastSeen);
                } else {
                    table.restoreRow(id, values, slots, lastSeen);
                }
            } catch (IllegalArgumentException e) {
                throw new SnapshotFormatException(what + " table: " + e.getMessage(), e);
            }
        }
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
