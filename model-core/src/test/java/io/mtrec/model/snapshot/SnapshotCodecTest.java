package io.mtrec.model.snapshot;

import io.mtrec.model.Interaction;
import io.mtrec.model.MultiTaskLearner;
import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.config.NegativeSamplerKind;
import io.mtrec.model.config.OptimizerKind;
import io.mtrec.model.config.TaskWeighting;
import io.mtrec.model.embedding.EmbeddingTable;
import io.mtrec.model.optim.DenseParam;
import io.mtrec.model.sampling.PopularityNegativeSampler;
import io.mtrec.model.tasks.Task;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SnapshotCodecTest {

    private static byte[] snapshot() {
        return GoldenSnapshots.goldenLearner().toSnapshotBytes();
    }

    /** The format-3 golden model: MMoE, with TTL, admission and item text. */
    private static byte[] mmoeSnapshot() {
        return GoldenSnapshots.goldenLearnerWithEmbeddingOptions().toSnapshotBytes();
    }

    @Test
    void decodeThenEncodeGivesTheSameBytes() {
        byte[] bytes = snapshot();
        assertThat(SnapshotCodec.encode(SnapshotCodec.decode(bytes))).isEqualTo(bytes);
        assertThat(bytes).startsWith('M', 'T', 'R', 'S', 0, 0, 0, 3);
    }

    @Test
    void decodeThenEncodeKeepsColdRowsSightingCountsTextAndSweepClock() {
        byte[] bytes = GoldenSnapshots.goldenLearnerWithEmbeddingOptions().toSnapshotBytes();
        assertThat(SnapshotCodec.encode(SnapshotCodec.decode(bytes))).isEqualTo(bytes);
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
        byte[] bytes = mmoeSnapshot();
        // DENS, int count, then the first parameter: int name length, name, int size.
        int nameLengthOffset = indexOf(bytes, "DENS") + 8;
        int nameLength = ByteBuffer.wrap(bytes).getInt(nameLengthOffset);
        ByteBuffer.wrap(bytes).putInt(nameLengthOffset + 4 + nameLength, 25);
        assertThatThrownBy(() -> SnapshotCodec.decode(withChecksum(bytes)))
                .isInstanceOf(SnapshotFormatException.class)
                .hasMessage(
                        "dense parameter shape mismatch: expected 'bottom.0.weight' with 36 values"
                                + " and 36 slots (embedding.dim=4, bottom.hidden=6,"
                                + " optimizer=adagrad, purchase.private.fraction=0.5,"
                                + " architecture=mmoe, mmoe.experts=2, mmoe.expert.hidden=3),"
                                + " found 'bottom.0.weight' with 25 values and 36 slots");
    }

    @Test
    void expertCountDisagreeingWithTheStoredExpertsNamesTheMmoeSizes() {
        byte[] bytes = mmoeSnapshot();
        // The config entry "mmoe.experts" -> "2": the value's single UTF-8 byte follows its length.
        int key = indexOf(bytes, "mmoe.experts");
        int value = key + "mmoe.experts".length() + 4;
        assertThat(bytes[value]).isEqualTo((byte) '2');
        bytes[value] = '3';
        assertThatThrownBy(() -> SnapshotCodec.decode(withChecksum(bytes)))
                .isInstanceOf(SnapshotFormatException.class)
                .hasMessage(
                        "dense parameter shape mismatch: expected 'mmoe.experts.weight' with 54"
                                + " values and 54 slots (embedding.dim=4, bottom.hidden=6,"
                                + " optimizer=adagrad, purchase.private.fraction=0.5,"
                                + " architecture=mmoe, mmoe.experts=3, mmoe.expert.hidden=3),"
                                + " found 'mmoe.experts.weight' with 36 values and 36 slots");
    }

    @Test
    void stepCounterFlagThatDisagreesWithTheOptimizerIsRejected() {
        byte[] bytes = snapshot();
        // USER, int dim, int slotsPerValue, long seed, int biasWidth, int featureWidth, int
        // coldRow, then the flag.
        ByteBuffer.wrap(bytes).putInt(indexOf(bytes, "USER") + 32, 1);
        assertThatThrownBy(() -> SnapshotCodec.decode(withChecksum(bytes)))
                .isInstanceOf(SnapshotFormatException.class)
                .hasMessage(
                        "user table: expected no per-row step counters (optimizer=adagrad),"
                                + " found them");
    }

    @Test
    void adamStepCountsAndPopularityCountsSurviveARoundTrip() {
        ModelConfig config =
                ModelConfig.builder()
                        .embeddingDim(4)
                        .bottomHidden(6)
                        .optimizer(OptimizerKind.ADAM)
                        .learningRate(0.01)
                        .negativesSampler(NegativeSamplerKind.POPULARITY)
                        .build();
        MultiTaskLearner learner = new MultiTaskLearner(config);
        learner.learn(List.of(Interaction.click("e1", "u1", "a", 1), impression("e2", "b")));
        learner.learn(List.of(Interaction.click("e3", "u1", "b", 2), impression("e4", "c")));
        learner.learn(List.of(Interaction.click("e5", "u2", "b", 3)));

        byte[] bytes = learner.toSnapshotBytes();
        LearnerState state = SnapshotCodec.decode(bytes);
        EmbeddingTable users = state.network().users();
        assertThat(users.countsSteps()).isTrue();
        assertThat(users.steps(users.rowOf("u1"))).isEqualTo(2);
        assertThat(users.steps(users.rowOf("u2"))).isEqualTo(1);
        assertThat(users.steps(users.rowOf("u0"))).isEqualTo(2);
        assertThat(state.network().denseParams().get(0).steps()).isEqualTo(3);
        PopularityNegativeSampler sampler = (PopularityNegativeSampler) state.sampler();
        assertThat(sampler.counts()).containsExactly(1, 2, 0); // a, b, c
        assertThat(sampler.builtCounts()).containsExactly(1, 2, 0);
        assertThat(SnapshotCodec.encode(state)).isEqualTo(bytes);
    }

    private static Interaction impression(String eventId, String item) {
        return Interaction.impression(eventId, "u0", item, 1);
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
