package io.mtrec.flink.train;

import io.mtrec.model.UserRowState;
import io.mtrec.model.tasks.PendingClicks.PendingClick;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Compact bytes for the trainer's per-user keyed state: a user's embedding row with its optimizer
 * state, and the user's clicks waiting for a purchase. The user id is the state's key, so it is not
 * written. Each value starts with a format number, checked when read.
 */
final class UserStateCodec {
    private static final int ROW_FORMAT = 1;
    private static final int CLICKS_FORMAT = 1;

    private UserStateCodec() {}

    static byte[] encodeRow(UserRowState row) {
        try {
            float[] values = row.values();
            float[] slots = row.slots();
            float[] biases = row.biases();
            float[] biasSlots = row.biasSlots();
            ByteArrayOutputStream bytes =
                    new ByteArrayOutputStream(
                            40
                                    + 4
                                            * (values.length
                                                    + slots.length
                                                    + biases.length
                                                    + biasSlots.length));
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(ROW_FORMAT);
            writeFloats(out, values);
            writeFloats(out, slots);
            writeFloats(out, biases);
            writeFloats(out, biasSlots);
            out.writeLong(row.lastSeen());
            out.writeLong(row.steps());
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static UserRowState decodeRow(String userId, byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            checkFormat(in.readByte(), ROW_FORMAT, "user row");
            float[] values = readFloats(in);
            float[] slots = readFloats(in);
            float[] biases = readFloats(in);
            float[] biasSlots = readFloats(in);
            long lastSeen = in.readLong();
            long steps = in.readLong();
            return new UserRowState(userId, values, slots, biases, biasSlots, lastSeen, steps);
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable user row state of " + userId, e);
        }
    }

    /** The clicks in their given order; their sequence numbers are not kept (see PendingClicks). */
    static byte[] encodeClicks(List<PendingClick> clicks) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(8 + 32 * clicks.size());
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(CLICKS_FORMAT);
            out.writeInt(clicks.size());
            for (PendingClick click : clicks) {
                out.writeUTF(click.itemId());
                out.writeLong(click.eventTime());
                out.writeFloat(click.purchasePrediction());
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The clicks of {@code userId}, numbered 0, 1, ... in their stored order. */
    static List<PendingClick> decodeClicks(String userId, byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            checkFormat(in.readByte(), CLICKS_FORMAT, "held clicks");
            int n = in.readInt();
            List<PendingClick> clicks = new ArrayList<>(n);
            for (int k = 0; k < n; k++) {
                clicks.add(
                        new PendingClick(k, userId, in.readUTF(), in.readLong(), in.readFloat()));
            }
            return clicks;
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable held clicks of " + userId, e);
        }
    }

    private static void checkFormat(int found, int expected, String what) throws IOException {
        if (found != expected) {
            throw new IOException(what + " state has format " + found + ", expected " + expected);
        }
    }

    private static void writeFloats(DataOutputStream out, float[] values) throws IOException {
        out.writeShort(values.length);
        for (float v : values) {
            out.writeFloat(v);
        }
    }

    private static float[] readFloats(DataInputStream in) throws IOException {
        float[] values = new float[in.readUnsignedShort()];
        for (int k = 0; k < values.length; k++) {
            values[k] = in.readFloat();
        }
        return values;
    }
}
