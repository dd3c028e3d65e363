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
    void heldClicksRoundTripInOrderRenumbered() {
        List<PendingClick> clicks =
                List.of(
                        new PendingClick(41, "ann", "lämp", 100L, 0.25f),
                        new PendingClick(57, "ann", "mug", 200L, Float.NaN));

        List<PendingClick> decoded =
                UserStateCodec.decodeClicks("ann", UserStateCodec.encodeClicks(clicks));

        assertThat(decoded)
                .extracting(PendingClick::seq, PendingClick::itemId, PendingClick::eventTime)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(0L, "lämp", 100L),
                        org.assertj.core.groups.Tuple.tuple(1L, "mug", 200L));
        assertThat(decoded.get(0).purchasePrediction()).isEqualTo(0.25f);
        assertThat(decoded.get(1).purchasePrediction()).isNaN();
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
