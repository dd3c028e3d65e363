package io.mtrec.flink.train;

import io.mtrec.model.UserRowState;
import io.mtrec.model.tasks.PendingClicks.PendingClick;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

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
    void aHeldClickRoundTripsUnderTheSequenceNumberItIsStoredAt() {
        PendingClick lamp = new PendingClick(41, "ann", "lämp", 100L, 0.25f);
        PendingClick mug = new PendingClick(57, "ann", "mug", 200L, Float.NaN);

        assertThat(UserStateCodec.decodeClick("ann", 41, UserStateCodec.encodeClick(lamp)))
                .isEqualTo(lamp);
        assertThat(UserStateCodec.decodeClick("ann", 57, UserStateCodec.encodeClick(mug)))
                .isEqualTo(mug);
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
