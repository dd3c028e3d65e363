package io.mtrec.flink.train;

import io.mtrec.model.Interaction;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Compact bytes for the trainer's partial batch, kept in operator state between checkpoints. */
final class InteractionCodec {
    private static final int VERSION = 1;

    private InteractionCodec() {}

    static byte[] encode(List<Interaction> batch) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(VERSION);
            out.writeInt(batch.size());
            for (Interaction i : batch) {
                out.writeByte(i.kind().ordinal());
                out.writeUTF(i.eventId());
                out.writeUTF(i.userId());
                out.writeUTF(i.itemId());
                out.writeLong(i.eventTime());
                out.writeFloat(i.value());
            }
        }
        return bytes.toByteArray();
    }

    static List<Interaction> decode(byte[] data) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            int version = in.readInt();
            if (version != VERSION) {
                throw new IOException(
                        "partial batch state has format " + version + ", expected " + VERSION);
            }
            int n = in.readInt();
            List<Interaction> batch = new ArrayList<>(n);
            Interaction.Kind[] kinds = Interaction.Kind.values();
            for (int k = 0; k < n; k++) {
                batch.add(
                        new Interaction(
                                kinds[in.readByte()],
                                in.readUTF(),
                                in.readUTF(),
                                in.readUTF(),
                                in.readLong(),
                                in.readFloat()));
            }
            return batch;
        }
    }
}
