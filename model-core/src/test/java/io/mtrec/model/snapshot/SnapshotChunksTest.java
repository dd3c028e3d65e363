package io.mtrec.model.snapshot;

import io.mtrec.schemas.ModelSnapshotChunk;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SnapshotChunksTest {

    private static byte[] snapshot() {
        return GoldenSnapshots.goldenLearner().toSnapshotBytes();
    }

    @Test
    void splitsIntoOrderedPartsUnderTheLimitAndAssemblesInAnyOrder() {
        byte[] bytes = snapshot();
        List<ModelSnapshotChunk> chunks = SnapshotChunks.split("m1", 3L, 1_700L, bytes, 500);
        int parts = (bytes.length + 499) / 500;
        assertThat(chunks).hasSize(parts);
        for (int i = 0; i < parts; i++) {
            ModelSnapshotChunk chunk = chunks.get(i);
            assertThat(chunk.getPart()).isEqualTo(i);
            assertThat(chunk.getParts()).isEqualTo(parts);
            assertThat(chunk.getModelId()).isEqualTo("m1");
            assertThat(chunk.getVersion()).isEqualTo(3L);
            assertThat(chunk.getCreatedAt()).isEqualTo(Instant.ofEpochMilli(1_700L));
            assertThat(chunk.getSection()).isEqualTo("model");
            assertThat(chunk.getFormatVersion()).isEqualTo(SnapshotCodec.FORMAT_VERSION);
            assertThat(chunk.getPayload().remaining()).isLessThanOrEqualTo(500);
        }
        List<ModelSnapshotChunk> shuffled = new ArrayList<>(chunks);
        Collections.shuffle(shuffled, new Random(1));
        assertThat(SnapshotChunks.assemble(shuffled)).isEqualTo(bytes);
    }

    @Test
    void chunksSurviveAvroSingleObjectEncoding() throws IOException {
        byte[] bytes = snapshot();
        List<ModelSnapshotChunk> decoded = new ArrayList<>();
        for (ModelSnapshotChunk chunk : SnapshotChunks.split("m", 1L, 0L, bytes, 1_000)) {
            decoded.add(ModelSnapshotChunk.fromByteBuffer(chunk.toByteBuffer()));
        }
        assertThat(SnapshotChunks.assemble(decoded)).isEqualTo(bytes);
    }

    @Test
    void defaultChunkStaysUnderOneMebibyte() {
        assertThat(SnapshotChunks.DEFAULT_MAX_CHUNK_BYTES)
                .isEqualTo(900 * 1024)
                .isLessThan(1 << 20);
        byte[] big = new byte[2_500_000];
        ByteBuffer.wrap(big).putInt(SnapshotCodec.MAGIC).putInt(SnapshotCodec.FORMAT_VERSION);
        List<ModelSnapshotChunk> chunks = SnapshotChunks.split("m", 1L, 0L, big);
        assertThat(chunks).hasSize(3);
        assertThat(chunks.get(0).getPayload().remaining()).isEqualTo(900 * 1024);
        assertThat(SnapshotChunks.assemble(chunks)).isEqualTo(big);
    }

    @Test
    void missingPartIsRejectedNamingIt() {
        List<ModelSnapshotChunk> chunks = SnapshotChunks.split("m", 7L, 0L, snapshot(), 300);
        chunks.remove(1);
        assertThatThrownBy(() -> SnapshotChunks.assemble(chunks))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("snapshot m version 7 is missing parts [1] of ");
    }

    @Test
    void chunksOfDifferentVersionsOrModelsAreNotMixed() {
        byte[] bytes = snapshot();
        List<ModelSnapshotChunk> chunks =
                new ArrayList<>(SnapshotChunks.split("m", 7L, 0L, bytes, 300));
        chunks.set(1, SnapshotChunks.split("m", 8L, 0L, bytes, 300).get(1));
        assertThatThrownBy(() -> SnapshotChunks.assemble(chunks))
                .hasMessage("chunk part 1 has version 8, other chunks have 7");

        List<ModelSnapshotChunk> models =
                new ArrayList<>(SnapshotChunks.split("m", 7L, 0L, bytes, 300));
        models.set(2, SnapshotChunks.split("other", 7L, 0L, bytes, 300).get(2));
        assertThatThrownBy(() -> SnapshotChunks.assemble(models))
                .hasMessage("chunk part 2 has modelId other, other chunks have m");
    }

    @Test
    void repeatedPartMustCarryTheSamePayload() {
        byte[] bytes = snapshot();
        List<ModelSnapshotChunk> chunks =
                new ArrayList<>(SnapshotChunks.split("m", 7L, 0L, bytes, 300));
        chunks.add(chunks.get(0));
        assertThat(SnapshotChunks.assemble(chunks)).isEqualTo(bytes);

        ModelSnapshotChunk altered = ModelSnapshotChunk.newBuilder(chunks.get(0)).build();
        altered.setPayload(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        chunks.add(altered);
        assertThatThrownBy(() -> SnapshotChunks.assemble(chunks))
                .hasMessage("chunk part 0 given twice with different payloads");
    }

    @Test
    void splitRefusesBytesThatAreNotASnapshot() {
        assertThatThrownBy(
                        () ->
                                SnapshotChunks.split(
                                        "m", 1L, 0L, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, 10))
                .isInstanceOf(SnapshotFormatException.class)
                .hasMessageStartingWith("not an mtrec model snapshot");
        assertThatThrownBy(() -> SnapshotChunks.assemble(List.of()))
                .hasMessage("no chunks to assemble");
    }
}
