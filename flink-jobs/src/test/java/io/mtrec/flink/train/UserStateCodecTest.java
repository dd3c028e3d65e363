package io.mtrec.flink.train;

import io.mtrec.model.UserRowState;
import io.mtrec.model.tasks.PendingClicks.PendingClick;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UserStateCodecTest {

    @Test
    void aUserRowRoundTripsWithEveryValueAndItsStepCount() {
        UserRowState row =
                new UserRowState(
                        "ann",
                        new float[] {0.5f, -1.25f, Float.MIN_VALUE},
                        new float[] {1f, 2f, 3f, 4f, 5f, 6f},
                        new float[] {0.1f, 0.2f, 0.3f},
                        new float[] {7f, 8f, 9f},
                        1_234L,
                        17L);

        assertThat(UserStateCodec.decodeRow("ann", UserStateCodec.encodeRow(row))).isEqualTo(row);
    }

    @Test
    void heldClicksRoundTripInOrderWithTheirSequenceNumbers() {
        List<PendingClick> clicks =
                List.of(
                        new PendingClick(41, "ann", "lämp", 100L, 0.25f),
                        new PendingClick(57, "ann", "mug", 200L, Float.NaN));

        List<PendingClick> decoded =
                UserStateCodec.decodeClicks("ann", UserStateCodec.encodeClicks(clicks));

        assertThat(decoded).isEqualTo(clicks);
    }

    @Test
    void heldClicksOfFormatOneComeBackUnnumbered() {
        byte[] item = "mug".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.ByteBuffer v1 = java.nio.ByteBuffer.allocate(1 + 4 + 4 + item.length + 8 + 4);
        v1.put((byte) 1).putInt(1).putInt(item.length).put(item).putLong(200L).putFloat(0.5f);

        assertThat(UserStateCodec.decodeClicks("ann", v1.array()))
                .containsExactly(
                        new PendingClick(UserStateCodec.UNNUMBERED, "ann", "mug", 200L, 0.5f));
    }

    @Test
    void aTruncatedRowIsRejectedNamingTheUser() {
        byte[] bytes =
                UserStateCodec.encodeRow(
                        new UserRowState(
                                "bob",
                                new float[2],
                                new float[2],
                                new float[3],
                                new float[3],
                                0L,
                                0L));

        assertThatThrownBy(
                        () ->
                                UserStateCodec.decodeRow(
                                        "bob", Arrays.copyOf(bytes, bytes.length - 5)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("truncated user row state of bob");
    }
}
