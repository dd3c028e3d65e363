package io.mtrec.model.snapshot;

import io.mtrec.model.MultiTaskLearner;
import io.mtrec.model.config.TaskWeighting;
import io.mtrec.model.optim.DenseParam;
import io.mtrec.model.tasks.Task;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SnapshotCodecTest {

    private static byte[] snapshot() {
        return GoldenSnapshots.goldenLearner().toSnapshotBytes();
    }

    @Test
    void decodeThenEncodeGivesTheSameBytes() {
        byte[] bytes = snapshot();
        assertThat(SnapshotCodec.encode(SnapshotCodec.decode(bytes))).isEqualTo(bytes);
        assertThat(bytes).startsWith('M', 'T', 'R', 'S', 0, 0, 0, 3);
    }

    @Test
    void wrongMagicIsRejectedNamingExpectedAndFound() {
        byte[] bytes = snapshot();
        bytes[0] = 'X';
        assertThatThrownBy(() -> MultiTaskLearner.fromSnapshotBytes(bytes))
                .isInstanceOf(SnapshotFormatException.class)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "not an mtrec model snapshot: expected magic 0x4D545253 ('MTRS'), found"
                                + " 0x58545253");
        assertThatThrownBy(() -> SnapshotCodec.decode(new byte[3]))
                .hasMessage("not an mtrec model snapshot: 3 bytes, too short for a header");
    }

    @Test
    void unsupportedFormatVersionIsRejectedNamingBoth() {
        byte[] bytes = snapshot();
        ByteBuffer.wrap(bytes).putInt(4, 4);
        assertThatThrownBy(() -> SnapshotCodec.decode(bytes))
                .isInstanceOf(SnapshotFormatException.class)
                .hasMessage(
                        "unsupported snapshot format version 4; this reader supports versions 1"
                                + " to 3");
    }

    @Test
    void corruptOrTruncatedBytesFailTheChecksum() {
        byte[] bytes = snapshot();
        bytes[bytes.length / 2] ^= 0x10;
        assertThatThrownBy(() -> SnapshotCodec.decode(bytes))
                .isInstanceOf(SnapshotFormatException.class)
                .hasMessageStartingWith("snapshot checksum mismatch: expected CRC-32 0x");
        byte[] truncated = Arrays.copyOf(snapshot(), 200);
        assertThatThrownBy(() -> SnapshotCodec.decode(truncated))
                .hasMessageStartingWith("snapshot checksum mismatch");
    }

    @Test
    void tableShapeMismatchNamesExpectedAndFound() {
        byte[] bytes = snapshot();
        int dimOffset = indexOf(bytes, "USER") + 4;
        ByteBuffer.wrap(bytes).putInt(dimOffset, 5);
        assertThatThrownBy(() -> SnapshotCodec.decode(withChecksum(bytes)))
                .isInstanceOf(SnapshotFormatException.class)
                .hasMessage("user table: expected dim 4 (embedding.dim), found 5");

        byte[] slots = snapshot();
        ByteBuffer.wrap(slots).putInt(indexOf(slots, "ITEM") + 8, 0);
        assertThatThrownBy(() -> SnapshotCodec.decode(withChecksum(slots)))
                .hasMessage(
                        "item table: expected 1 optimizer slots per value (optimizer=adagrad),"
                                + " found 0");
    }

    @Test
    void denseShapeMismatchNamesTheParameterAndBothShapes() {
        byte[] bytes = snapshot();
        // DENS, int count, then the first parameter: int name length, name, int size.
        int nameLengthOffset = indexOf(bytes, "DENS") + 8;
        int nameLength = ByteBuffer.wrap(bytes).getInt(nameLengthOffset);
        ByteBuffer.wrap(bytes).putInt(nameLengthOffset + 4 + nameLength, 25);
        assertThatThrownBy(() -> SnapshotCodec.decode(withChecksum(bytes)))
                .isInstanceOf(SnapshotFormatException.class)
                .hasMessage(
                        "dense parameter shape mismatch: expected 'bottom.0.weight' with 72 values"
                                + " and 72 slots (embedding.dim=4, bottom.hidden=6,"
                                + " optimizer=adagrad), found 'bottom.0.weight' with 25 values and"
                                + " 72 slots");
    }

    @Test
    void sectionOutOfPlaceIsNamed() {
        byte[] bytes = snapshot();
        int at = indexOf(bytes, "SMPL");
        bytes[at] = 'X';
        assertThatThrownBy(() -> SnapshotCodec.decode(withChecksum(bytes)))
                .hasMessage("snapshot section out of place: expected 'SMPL', found 'XMPL'");
    }

    @Test
    void floatBitsSurviveExactlyIncludingNaNPayloads() {
        LearnerState state = SnapshotCodec.decode(snapshot());
        float odd = Float.intBitsToFloat(0x7FC00123);
        state.network().users().values()[1] = odd;
        state.network().users().values()[2] = -0.0f;
        LearnerState back = SnapshotCodec.decode(SnapshotCodec.encode(state));
        assertThat(Float.floatToRawIntBits(back.network().users().values()[1]))
                .isEqualTo(0x7FC00123);
        assertThat(Float.floatToRawIntBits(back.network().users().values()[2]))
                .isEqualTo(Float.floatToRawIntBits(-0.0f));
    }

    static int indexOf(byte[] bytes, String tag) {
        byte[] t = tag.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i + t.length <= bytes.length; i++) {
            for (int j = 0; j < t.length; j++) {
                if (bytes[i + j] != t[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("tag " + tag + " not found");
    }

    /** Rewrites the trailing CRC so a deliberately edited snapshot reaches the shape checks. */
    static byte[] withChecksum(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 8);
        ByteBuffer.wrap(bytes).putLong(bytes.length - 8, crc.getValue());
        return bytes;
    }

    @Test
    void learnedTaskLogVariancesTravelAsTheLastDenseParameterWithTheirSlots() {
        MultiTaskLearner learner =
                GoldenSnapshots.goldenLearner(
                        GoldenSnapshots.goldenConfig()
                                .taskWeighting(TaskWeighting.UNCERTAINTY)
                                .build());
        LearnerState state = SnapshotCodec.decode(learner.toSnapshotBytes());
        DenseParam last =
                state.network().denseParams().get(state.network().denseParams().size() - 1);
        assertThat(last.name()).isEqualTo("task.log.variance");
        assertThat(last.values())
                .containsExactly(
                        (float) learner.taskLogVariance(Task.CLICK),
                        (float) learner.taskLogVariance(Task.PURCHASE),
                        (float) learner.taskLogVariance(Task.RATING));
        assertThat(last.slots()).hasSize(3).doesNotContain(0.1f);
    }
}
