package io.mtrec.flink.train;

import io.mtrec.model.UserRowState;
import io.mtrec.model.tasks.PendingClicks.PendingClick;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

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

    /** Sequence number, event time, prediction and the item id's length. */
    private static final int CLICK_FIXED_BYTES = 8 + 8 + 4 + 4;

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
     * A user's held clicks as one value: a format byte, then per click its sequence number, event
     * time, click-time purchase prediction and item id. One value per user, not one entry per
     * click: with a two-minute conversion window a user holds hundreds of clicks, and hundreds of
     * thousands of map entries made every checkpoint's asynchronous part, and every first write
     * after it (copy on write of the user's whole map), slow. Clicks are appended without rewriting
     * the others ({@link #appendClicks}); their order is not kept, {@link #decodeClicks} sorts.
     */
    static byte[] encodeClicks(Collection<PendingClick> clicks) {
        return appendClicks(null, clicks);
    }

    /** {@code clicks} (null: none yet) with {@code added} after them. */
    static byte[] appendClicks(byte[] clicks, Collection<PendingClick> added) {
        int size = clicks == null ? 1 : clicks.length;
        List<byte[]> items = new ArrayList<>(added.size());
        for (PendingClick click : added) {
            byte[] item = click.itemId().getBytes(StandardCharsets.UTF_8);
            items.add(item);
            size += CLICK_FIXED_BYTES + item.length;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        if (clicks == null) {
            out.put(CLICKS_FORMAT);
        } else {
            out.put(clicks);
        }
        int k = 0;
        for (PendingClick click : added) {
            byte[] item = items.get(k++);
            out.putLong(click.seq());
            out.putLong(click.eventTime());
            out.putFloat(click.purchasePrediction());
            out.putInt(item.length);
            out.put(item);
        }
        return out.array();
    }

    /** The held clicks of {@code userId} in {@code clicks}, in sequence order. */
    static List<PendingClick> decodeClicks(String userId, byte[] clicks) {
        try {
            ByteBuffer in = ByteBuffer.wrap(clicks);
            checkFormat(in.get(), CLICKS_FORMAT, "held clicks", userId);
            List<PendingClick> decoded = new ArrayList<>();
            while (in.hasRemaining()) {
                long seq = in.getLong();
                long time = in.getLong();
                float prediction = in.getFloat();
                byte[] item = new byte[in.getInt()];
                in.get(item);
                decoded.add(
                        new PendingClick(
                                seq,
                                userId,
                                new String(item, StandardCharsets.UTF_8),
                                time,
                                prediction));
            }
            decoded.sort(Comparator.comparingLong(PendingClick::seq));
            return decoded;
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
