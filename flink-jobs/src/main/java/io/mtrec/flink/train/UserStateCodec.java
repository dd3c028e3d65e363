package io.mtrec.flink.train;

import io.mtrec.model.UserRowState;
import io.mtrec.model.tasks.PendingClicks.PendingClick;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Compact bytes for the trainer's per-user keyed state: a user's embedding row with its optimizer
 * state, and the user's clicks waiting for a purchase. The user id is the state's key, so it is not
 * written. Each value starts with a format number, checked when read. Written through one {@link
 * ByteBuffer} with bulk float copies: a batch encodes and decodes every one of its users.
 */
final class UserStateCodec {
    private static final byte ROW_FORMAT = 1;

    /** Format 2: every held click of a user in one value (format 1 was one value per click). */
    private static final byte CLICKS_FORMAT = 2;

    /** Format byte, click records, let-go records. */
    private static final int CLICKS_HEADER_BYTES = 1 + 4 + 4;

    private static final byte CLICK_RECORD = 0;
    private static final byte LET_GO_RECORD = 1;

    /** Kind, sequence number, event time, prediction and the item id's length. */
    private static final int CLICK_FIXED_BYTES = 1 + 8 + 8 + 4 + 4;

    /** Kind and sequence number. */
    private static final int LET_GO_BYTES = 1 + 8;

    private UserStateCodec() {}

    static byte[] encodeRow(UserRowState row) {
        float[] values = row.values();
        float[] slots = row.slots();
        float[] biases = row.biases();
        float[] biasSlots = row.biasSlots();
        int floats = values.length + slots.length + biases.length + biasSlots.length;
        ByteBuffer out = ByteBuffer.allocate(1 + 4 * 4 + 4 * floats + 16);
        out.put(ROW_FORMAT);
        putFloats(out, values);
        putFloats(out, slots);
        putFloats(out, biases);
        putFloats(out, biasSlots);
        out.putLong(row.lastSeen());
        out.putLong(row.steps());
        return out.array();
    }

    static UserRowState decodeRow(String userId, byte[] data) {
        try {
            ByteBuffer in = ByteBuffer.wrap(data);
            checkFormat(in.get(), ROW_FORMAT, "user row", userId);
            float[] values = getFloats(in);
            float[] slots = getFloats(in);
            float[] biases = getFloats(in);
            float[] biasSlots = getFloats(in);
            return new UserRowState(
                    userId, values, slots, biases, biasSlots, in.getLong(), in.getLong());
        } catch (BufferUnderflowException | NegativeArraySizeException e) {
            throw new IllegalStateException("truncated user row state of " + userId, e);
        }
    }

    /**
     * A user's held clicks as one value: a header (format byte, count of click records, count of
     * let-go records), then records, each a kind byte and either a click (sequence number, event
     * time, click-time purchase prediction, item id) or the sequence number of a click let go
     * (claimed or expired). One value per user, not one entry per click: with a two-minute
     * conversion window a user holds hundreds of clicks, and hundreds of thousands of map entries
     * made every checkpoint's asynchronous part, and every first write after it (copy on write of
     * the user's whole map), slow. A write-back appends what changed ({@link #append}) instead of
     * re-encoding the user's clicks (which took most of a checkpoint's write-back); the value is
     * rewritten with its live clicks only once more than half its click records were let go.
     */
    static byte[] encodeClicks(Collection<PendingClick> clicks) {
        return append(null, clicks, List.of());
    }

    /**
     * {@code stored} (null: none yet) with the clicks {@code added} and the clicks of {@code letGo}
     * gone; compacted to its live clicks when most of its click records were let go.
     */
    static byte[] append(byte[] stored, Collection<PendingClick> added, Collection<Long> letGo) {
        int clickRecords = stored == null ? 0 : ByteBuffer.wrap(stored).getInt(1);
        int letGoRecords = stored == null ? 0 : ByteBuffer.wrap(stored).getInt(5);
        int size = stored == null ? CLICKS_HEADER_BYTES : stored.length;
        List<byte[]> items = new ArrayList<>(added.size());
        for (PendingClick click : added) {
            byte[] item = click.itemId().getBytes(StandardCharsets.UTF_8);
            items.add(item);
            size += CLICK_FIXED_BYTES + item.length;
        }
        size += letGo.size() * LET_GO_BYTES;
        ByteBuffer out = ByteBuffer.allocate(size);
        if (stored == null) {
            out.put(CLICKS_FORMAT).putInt(0).putInt(0);
        } else {
            out.put(stored);
        }
        int k = 0;
        for (PendingClick click : added) {
            byte[] item = items.get(k++);
            out.put(CLICK_RECORD);
            out.putLong(click.seq());
            out.putLong(click.eventTime());
            out.putFloat(click.purchasePrediction());
            out.putInt(item.length);
            out.put(item);
        }
        for (long seq : letGo) {
            out.put(LET_GO_RECORD);
            out.putLong(seq);
        }
        clickRecords += added.size();
        letGoRecords += letGo.size();
        out.putInt(1, clickRecords).putInt(5, letGoRecords);
        byte[] appended = out.array();
        if (2L * letGoRecords > clickRecords) {
            return encodeClicks(readClicks(null, appended));
        }
        return appended;
    }

    /** The number of clicks held in {@code clicks}. */
    static int liveClicks(byte[] clicks) {
        ByteBuffer in = ByteBuffer.wrap(clicks);
        return in.getInt(1) - in.getInt(5);
    }

    /** The held clicks of {@code userId} in {@code clicks}, in sequence order. */
    static List<PendingClick> decodeClicks(String userId, byte[] clicks) {
        List<PendingClick> decoded = readClicks(userId, clicks);
        decoded.sort(Comparator.comparingLong(PendingClick::seq));
        return decoded;
    }

    /** The clicks not let go, in no particular order ({@code userId} null: not checked). */
    private static List<PendingClick> readClicks(String userId, byte[] clicks) {
        try {
            ByteBuffer in = ByteBuffer.wrap(clicks);
            checkFormat(in.get(), CLICKS_FORMAT, "held clicks", userId);
            in.position(CLICKS_HEADER_BYTES);
            Map<Long, PendingClick> live = new HashMap<>();
            while (in.hasRemaining()) {
                byte kind = in.get();
                long seq = in.getLong();
                if (kind == LET_GO_RECORD) {
                    live.remove(seq);
                    continue;
                }
                if (kind != CLICK_RECORD) {
                    throw new IllegalStateException(
                            "held clicks state of " + userId + " has a record of kind " + kind);
                }
                long time = in.getLong();
                float prediction = in.getFloat();
                byte[] item = new byte[in.getInt()];
                in.get(item);
                live.put(
                        seq,
                        new PendingClick(
                                seq,
                                userId == null ? "" : userId,
                                new String(item, StandardCharsets.UTF_8),
                                time,
                                prediction));
            }
            return new ArrayList<>(live.values());
        } catch (BufferUnderflowException | NegativeArraySizeException e) {
            throw new IllegalStateException("truncated held clicks of " + userId, e);
        }
    }

    private static void checkFormat(byte found, byte expected, String what, String userId) {
        if (found != expected) {
            throw new IllegalStateException(
                    what
                            + " state of "
                            + userId
                            + " has format "
                            + found
                            + ", this trainer reads "
                            + expected);
        }
    }

    private static void putFloats(ByteBuffer out, float[] values) {
        out.putInt(values.length);
        out.asFloatBuffer().put(values);
        out.position(out.position() + 4 * values.length);
    }

    private static float[] getFloats(ByteBuffer in) {
        float[] values = new float[in.getInt()];
        in.asFloatBuffer().get(values);
        in.position(in.position() + 4 * values.length);
        return values;
    }
}
