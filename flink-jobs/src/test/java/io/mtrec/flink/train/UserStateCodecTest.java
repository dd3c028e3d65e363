package io.mtrec.flink.train;

import io.mtrec.model.UserRowState;
import io.mtrec.model.tasks.PendingClicks.PendingClick;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
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
    void heldClicksRoundTripInSequenceOrderWhateverOrderTheyWereWrittenIn() {
        PendingClick lamp = new PendingClick(41, "ann", "lämp", 100L, 0.25f);
        PendingClick mug = new PendingClick(57, "ann", "mug", 200L, Float.NaN);
        PendingClick book = new PendingClick(3, "ann", "book", 300L, 0.5f);

        byte[] two = UserStateCodec.encodeClicks(List.of(mug, lamp));
        byte[] three = UserStateCodec.append(two, List.of(book), List.of());

        assertThat(UserStateCodec.decodeClicks("ann", two)).containsExactly(lamp, mug);
        assertThat(UserStateCodec.decodeClicks("ann", three)).containsExactly(book, lamp, mug);
        assertThat(UserStateCodec.liveClicks(three)).isEqualTo(3);
        assertThat(UserStateCodec.decodeClicks("ann", UserStateCodec.encodeClicks(List.of())))
                .isEmpty();
    }

    @Test
    void clicksLetGoAreAppendedAsSuchAndLeaveTheOthers() {
        List<PendingClick> clicks = new ArrayList<>();
        for (int seq = 0; seq < 6; seq++) {
            clicks.add(new PendingClick(seq, "ann", "i" + seq, 100L + seq, 0.5f));
        }
        byte[] stored = UserStateCodec.encodeClicks(clicks);
        PendingClick added = new PendingClick(9, "ann", "new", 200L, 0.1f);

        byte[] after = UserStateCodec.append(stored, List.of(added), List.of(1L, 4L));

        assertThat(after.length).as("appended, not rewritten").isGreaterThan(stored.length);
        assertThat(UserStateCodec.liveClicks(after)).isEqualTo(5);
        assertThat(UserStateCodec.decodeClicks("ann", after))
                .containsExactly(clicks.get(0), clicks.get(2), clicks.get(3), clicks.get(5), added);
    }

    @Test
    void heldClicksAreRewrittenWithTheLiveOnesOnceMostWereLetGo() {
        List<PendingClick> clicks = new ArrayList<>();
        for (int seq = 0; seq < 4; seq++) {
            clicks.add(new PendingClick(seq, "ann", "i" + seq, 100L + seq, 0.5f));
        }
        byte[] stored = UserStateCodec.encodeClicks(clicks);

        byte[] half = UserStateCodec.append(stored, List.of(), List.of(0L, 1L));
        byte[] most = UserStateCodec.append(half, List.of(), List.of(2L));
        byte[] none = UserStateCodec.append(most, List.of(), List.of(3L));

        assertThat(half.length).isGreaterThan(stored.length);
        assertThat(most).isEqualTo(UserStateCodec.encodeClicks(List.of(clicks.get(3))));
        assertThat(UserStateCodec.decodeClicks("ann", most)).containsExactly(clicks.get(3));
        assertThat(UserStateCodec.liveClicks(none)).isZero();
        assertThat(UserStateCodec.decodeClicks("ann", none)).isEmpty();
    }

    @Test
    void truncatedHeldClicksAreRejectedNamingTheUser() {
        byte[] bytes =
                UserStateCodec.encodeClicks(
                        List.of(new PendingClick(1, "bob", "lamp", 100L, 0.25f)));

        assertThatThrownBy(
                        () ->
                                UserStateCodec.decodeClicks(
                                        "bob", Arrays.copyOf(bytes, bytes.length - 2)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("truncated held clicks of bob");
    }

    @Test
    void heldClicksOfAnotherFormatAreRejectedNamingTheUserAndTheFormats() {
        assertThatThrownBy(() -> UserStateCodec.decodeClicks("bob", new byte[] {1}))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("held clicks state of bob has format 1, this trainer reads 2");
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
