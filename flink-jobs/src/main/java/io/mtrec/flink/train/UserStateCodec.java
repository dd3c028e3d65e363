package io.mtrec.flink.train;

import io.mtrec.model.UserRowState;
import io.mtrec.model.tasks.PendingClicks.PendingClick;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Compact bytes for the trainer's per-user keyed state: a user's embedding row with its optimizer
 * state, and the user's clicks waiting for a purchase. The user id is the state's key, so it is not
 * written. Each value starts with a format number, checked when read. Written through one {@link
 * ByteBuffer} with bulk float copies: a batch encodes and decodes every one of its users.
 */
final class UserStateCodec {
    private static final byte ROW_FORMAT = 1;
    private static final byte CLICKS_FORMAT = 2;

    /** The sequence number of a click stored without one (format 1). */
    static final long UNNUMBERED = -1;

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
     * The clicks in their given order, with their sequence numbers: the learner that numbered them
     * takes them back unchanged ({@code MultiTaskLearner.restorePendingClicks}).
     */
    static byte[] encodeClicks(List<PendingClick> clicks) {
        List<byte[]> items = new ArrayList<>(clicks.size());
        int size = 1 + 4;
        for (PendingClick click : clicks) {
            byte[] item = click.itemId().getBytes(StandardCharsets.UTF_8);
            items.add(item);
            size += 8 + 4 + item.length + 8 + 4;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put(CLICKS_FORMAT);
        out.putInt(clicks.size());
        for (int k = 0; k < clicks.size(); k++) {
            out.putLong(clicks.get(k).seq());
            out.putInt(items.get(k).length);
            out.put(items.get(k));
            out.putLong(clicks.get(k).eventTime());
            out.putFloat(clicks.get(k).purchasePrediction());
        }
        return out.array();
    }

    /**
     * The clicks of {@code userId} in their stored order. Format 1 kept no sequence numbers: its
     * clicks come back numbered {@link #UNNUMBERED}.
     */
    static List<PendingClick> decodeClicks(String userId, byte[] data) {
        try {
            ByteBuffer in = ByteBuffer.wrap(data);
            byte format = in.get();
            if (format != 1) {
                checkFormat(format, CLICKS_FORMAT, "held clicks", userId);
            }
            int n = in.getInt();
            List<PendingClick> clicks = new ArrayList<>(n);
            for (int k = 0; k < n; k++) {
                long seq = format == 1 ? UNNUMBERED : in.getLong();
                byte[] item = new byte[in.getInt()];
                in.get(item);
                long time = in.getLong();
                float prediction = in.getFloat();
                clicks.add(
                        new PendingClick(
                                seq,
                                userId,
                                new String(item, StandardCharsets.UTF_8),
                                time,
                                prediction));
            }
            return clicks;
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
