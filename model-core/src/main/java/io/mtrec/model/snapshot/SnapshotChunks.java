package io.mtrec.model.snapshot;

import io.mtrec.schemas.ModelSnapshotChunk;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Splits snapshot bytes into {@link ModelSnapshotChunk}s small enough for a Kafka record, and puts
 * them back together.
 *
 * <p>Kafka's default maximum message size is 1 MiB, so chunks default to {@value
 * #DEFAULT_MAX_CHUNK_BYTES} payload bytes, leaving room for the record's other fields and headers.
 */
public final class SnapshotChunks {
    /** The section name of a whole-model snapshot. */
    public static final String MODEL_SECTION = "model";

    /** 900 KiB: under Kafka's default 1 MiB message limit with room for the envelope. */
    public static final int DEFAULT_MAX_CHUNK_BYTES = 900 * 1024;

    private SnapshotChunks() {}

    /** Splits with the default chunk size. */
    public static List<ModelSnapshotChunk> split(
            String modelId, long version, long createdAt, byte[] bytes) {
        return split(modelId, version, createdAt, bytes, DEFAULT_MAX_CHUNK_BYTES);
    }

    /**
     * Splits snapshot bytes into parts of at most {@code maxChunkBytes}, in order, each tagged with
     * the model, version, creation time and the format version read from the bytes' header.
     */
    public static List<ModelSnapshotChunk> split(
            String modelId, long version, long createdAt, byte[] bytes, int maxChunkBytes) {
        return split(
                modelId,
                version,
                createdAt,
                bytes,
                maxChunkBytes,
                MODEL_SECTION,
                SnapshotCodec.formatVersionOf(bytes));
    }

    /**
     * Splits any versioned bytes (a {@code section} other than a model snapshot, e.g. a parameter
     * delta between parallel trainers) into parts of at most {@code maxChunkBytes}.
     */
    public static List<ModelSnapshotChunk> split(
            String modelId,
            long version,
            long createdAt,
            byte[] bytes,
            int maxChunkBytes,
            String section,
            int formatVersion) {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(section, "section");
        if (maxChunkBytes < 1) {
            throw new IllegalArgumentException("maxChunkBytes must be >= 1, got " + maxChunkBytes);
        }
        int parts = Math.max(1, (bytes.length + maxChunkBytes - 1) / maxChunkBytes);
        List<ModelSnapshotChunk> chunks = new ArrayList<>(parts);
        for (int part = 0; part < parts; part++) {
            int from = part * maxChunkBytes;
            int to = Math.min(bytes.length, from + maxChunkBytes);
            chunks.add(
                    ModelSnapshotChunk.newBuilder()
                            .setModelId(modelId)
                            .setVersion(version)
                            .setCreatedAt(Instant.ofEpochMilli(createdAt))
                            .setPart(part)
                            .setParts(parts)
                            .setSection(section)
                            .setFormatVersion(formatVersion)
                            .setPayload(ByteBuffer.wrap(Arrays.copyOfRange(bytes, from, to)))
                            .build());
        }
        return chunks;
    }

    /**
     * Concatenates the payloads of one snapshot's chunks in part order. All chunks must share model
     * id, version, part count, section and format version, and every part from 0 to {@code parts -
     * 1} must be present; a part given twice must have the same payload both times.
     *
     * @throws IllegalArgumentException naming the first inconsistency found
     */
    public static byte[] assemble(Collection<ModelSnapshotChunk> chunks) {
        if (chunks.isEmpty()) {
            throw new IllegalArgumentException("no chunks to assemble");
        }
        ModelSnapshotChunk first = chunks.iterator().next();
        int parts = first.getParts();
        if (parts < 1) {
            throw new IllegalArgumentException("parts must be >= 1, got " + parts);
        }
        byte[][] payloads = new byte[parts][];
        for (ModelSnapshotChunk chunk : chunks) {
            check("modelId", first.getModelId(), chunk.getModelId(), chunk);
            check("version", first.getVersion(), chunk.getVersion(), chunk);
            check("parts", parts, chunk.getParts(), chunk);
            check("section", first.getSection(), chunk.getSection(), chunk);
            check("formatVersion", first.getFormatVersion(), chunk.getFormatVersion(), chunk);
            int part = chunk.getPart();
            if (part < 0 || part >= parts) {
                throw new IllegalArgumentException(
                        "chunk part " + part + " outside [0, " + parts + ")");
            }
            byte[] payload = toBytes(chunk.getPayload());
            if (payloads[part] != null && !Arrays.equals(payloads[part], payload)) {
                throw new IllegalArgumentException(
                        "chunk part " + part + " given twice with different payloads");
            }
            payloads[part] = payload;
        }
        int total = 0;
        List<Integer> missing = new ArrayList<>();
        for (int part = 0; part < parts; part++) {
            if (payloads[part] == null) {
                missing.add(part);
            } else {
                total += payloads[part].length;
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(
                    "snapshot "
                            + first.getModelId()
                            + " version "
                            + first.getVersion()
                            + " is missing parts "
                            + missing
                            + " of "
                            + parts);
        }
        byte[] bytes = new byte[total];
        int offset = 0;
        for (byte[] payload : payloads) {
            System.arraycopy(payload, 0, bytes, offset, payload.length);
            offset += payload.length;
        }
        return bytes;
    }

    private static void check(String field, Object expected, Object found, ModelSnapshotChunk c) {
        if (!Objects.equals(expected, found)) {
            throw new IllegalArgumentException(
                    "chunk part "
                            + c.getPart()
                            + " has "
                            + field
                            + " "
                            + found
                            + ", other chunks have "
                            + expected);
        }
    }

    private static byte[] toBytes(ByteBuffer buffer) {
        ByteBuffer view = buffer.duplicate();
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return bytes;
    }
}
