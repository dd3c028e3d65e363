package io.mtrec.flink.train;

import io.mtrec.model.UserRowState;
import io.mtrec.model.tasks.PendingClicks.PendingClick;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Compact bytes for the trainer's per-user keyed state: a user's embedding row with its optimizer
 * state, and each of the user's clicks waiting for a purchase (under its sequence number). The user
 * id is the state's key, so it is not written. Each value starts with a format number, checked when
 * read. Written through one {@link ByteBuffer} with bulk float copies: a batch encodes and decodes
 * every one of its users.
 */
final class UserStateCodec {
    private static final byte ROW_FORMAT = 1;
    private static final byte CLICK_FORMAT = 1;

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
     * One held click, without its sequence number (the key it is stored under) and user (the
     * state's key).
     */
    static byte[] encodeClick(PendingClick click) {
        byte[] item = click.itemId().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(1 + 4 + item.length + 8 + 4);
        out.put(CLICK_FORMAT);
        out.putInt(item.length);
        out.put(item);
        out.putLong(click.eventTime());
        out.putFloat(click.purchasePrediction());
        return out.array();
    }

    /** The held click {@code seq} of {@code userId}. */
    static PendingClick decodeClick(String userId, long seq, byte[] data) {
        try {
            ByteBuffer in = ByteBuffer.wrap(data);
            checkFormat(in.get(), CLICK_FORMAT, "held click", userId);
            byte[] item = new byte[in.getInt()];
            in.get(item);
            long time = in.getLong();
            float prediction = in.getFloat();
            return new PendingClick(
                    seq, userId, new String(item, StandardCharsets.UTF_8), time, prediction);
        } catch (BufferUnderflowException | NegativeArraySizeException e) {
            throw new IllegalStateException("truncated held click of " + userId, e);
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
