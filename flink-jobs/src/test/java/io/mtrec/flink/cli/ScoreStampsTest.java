package io.mtrec.flink.cli;

import io.mtrec.schemas.ScoredItem;
import io.mtrec.schemas.UserScores;
import io.mtrec.schemas.serde.AvroSerde;
import io.mtrec.schemas.serde.RecordDecodingException;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScoreStampsTest {

    private static byte[] scores(String user, long producedAt, long lastEvent, int items) {
        UserScores scores = new UserScores();
        scores.setUserId(user);
        scores.setModelVersion(7L);
        scores.setProducedAt(Instant.ofEpochMilli(producedAt));
        scores.setLastEventTime(Instant.ofEpochMilli(lastEvent));
        List<ScoredItem> list = new java.util.ArrayList<>();
        for (int i = 0; i < items; i++) {
            ScoredItem item = new ScoredItem();
            item.setItemId("item-" + i);
            item.setClick(0.5f);
            item.setPurchase(0.1f);
            item.setRating(4f);
            item.setScore(1.2f + i);
            list.add(item);
        }
        scores.setItems(list);
        return AvroSerde.of(UserScores.class).serialize(scores);
    }

    @Test
    void readsTheUserAndTimesOfEachRecordAndSkipsItsItems() throws Exception {
        ScoreStamps stamps = new ScoreStamps();

        assertThat(stamps.decode(scores("ann", 2_000L, 1_500L, 10)))
                .isEqualTo(new ScoreStamps.Stamp("ann", 2_000L, 1_500L));
        assertThat(stamps.decode(scores("bob", 3_000L, 2_900L, 0)))
                .isEqualTo(new ScoreStamps.Stamp("bob", 3_000L, 2_900L));
    }

    @Test
    void bytesThatAreNoScoreRecordAreRejectedWithTheReason() {
        ScoreStamps stamps = new ScoreStamps();

        assertThatThrownBy(() -> stamps.decode("not avro".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(
                        RecordDecodingException.class,
                        e ->
                                assertThat(e.reason())
                                        .isEqualTo(
                                                RecordDecodingException.Reason.NOT_SINGLE_OBJECT));
        byte[] truncated = scores("ann", 2_000L, 1_500L, 10);
        byte[] cut = java.util.Arrays.copyOf(truncated, 14);
        assertThatThrownBy(() -> stamps.decode(cut))
                .isInstanceOfSatisfying(
                        RecordDecodingException.class,
                        e ->
                                assertThat(e.reason())
                                        .isEqualTo(RecordDecodingException.Reason.CORRUPT_BODY));
    }
}
