package io.mtrec.flink.config;

import io.mtrec.flink.train.TrainerSettings;
import io.mtrec.schemas.TopicKind;

import org.apache.flink.connector.base.DeliveryGuarantee;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JobConfigTest {
    private static final Map<String, String> MINIMAL =
            Map.of("bootstrap.servers", "127.0.0.1:9092");

    @Test
    void defaultsApplyWhenOnlyBrokersAreGiven() {
        JobConfig config = JobConfig.fromMap(MINIMAL);
        assertThat(config.get(JobConfig.BATCH_SIZE)).isEqualTo(512);
        assertThat(config.get(JobConfig.START).mode()).isEqualTo(StartPosition.Mode.EARLIEST);
        assertThat(config.get(JobConfig.BOUNDED)).isFalse();
        assertThat(config.get(JobConfig.DELIVERY)).isEqualTo(DeliveryGuarantee.AT_LEAST_ONCE);
        assertThat(config.topics().name(TopicKind.SCORES)).isEqualTo("mtrec.scores");
    }

    @Test
    void missingBrokersAreRejectedNamingTheSetting() {
        assertThatThrownBy(() -> JobConfig.fromMap(Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "setting 'bootstrap.servers' is required (a comma-separated list of"
                                + " host:port)");
    }

    @Test
    void outOfRangeBatchSizeIsRejectedWithTheAllowedRange() {
        assertThatThrownBy(
                        () ->
                                JobConfig.fromMap(
                                        Map.of("bootstrap.servers", "h:1", "batch.size", "0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("setting 'batch.size' must be an integer in [1, 65536], got '0'");
    }

    @Test
    void unparsableValueIsRejectedNamingTheSetting() {
        assertThatThrownBy(
                        () ->
                                JobConfig.fromMap(
                                        Map.of(
                                                "bootstrap.servers",
                                                "h:1",
                                                "delivery.guarantee",
                                                "sometimes")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "setting 'delivery.guarantee' must be at-least-once or exactly-once, got"
                                + " 'sometimes'");
    }

    @Test
    void unknownSettingIsRejected() {
        assertThatThrownBy(
                        () ->
                                JobConfig.fromMap(
                                        Map.of("bootstrap.servers", "h:1", "batchsize", "3")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("unknown setting 'batchsize'");
    }

    @Test
    void modelSettingsAreHandedToTheModelConfig() {
        JobConfig config =
                JobConfig.fromMap(Map.of("bootstrap.servers", "h:1", "model.embedding.dim", "16"));
        assertThat(config.model().toMap()).containsEntry("embedding.dim", "16");
    }

    @Test
    void invalidModelSettingIsRejectedNamingIt() {
        assertThatThrownBy(
                        () ->
                                JobConfig.fromMap(
                                        Map.of(
                                                "bootstrap.servers",
                                                "h:1",
                                                "model.embedding.dim",
                                                "0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("embedding.dim");
    }

    @Test
    void timestampStartIsParsedFromIsoOrMillis() {
        assertThat(StartPosition.parse("2026-01-01T00:00:00Z").timestampMillis())
                .isEqualTo(1_767_225_600_000L);
        assertThat(StartPosition.parse("1767225600000").mode())
                .isEqualTo(StartPosition.Mode.TIMESTAMP);
    }

    @Test
    void yamlFileIsFlattenedAndFlagsOverrideIt(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("job.yaml");
        Files.writeString(
                file,
                """
                bootstrap.servers: kafka:9092
                batch:
                  size: 128
                topic:
                  scores: shop.scores
                model:
                  embedding.dim: 8
                """);
        JobConfig config = JobConfig.fromYaml(file, Map.of("batch.size", "64"));
        assertThat(config.get(JobConfig.BOOTSTRAP_SERVERS)).isEqualTo("kafka:9092");
        assertThat(config.get(JobConfig.BATCH_SIZE)).isEqualTo(64);
        assertThat(config.topics().name(TopicKind.SCORES)).isEqualTo("shop.scores");
        assertThat(config.model().toMap()).containsEntry("embedding.dim", "8");
    }

    @Test
    void withReplacesSettingsAndKeepsTheRest() {
        JobConfig config = JobConfig.fromMap(MINIMAL).with(Map.of("scores.top.k", "3"));
        assertThat(config.get(JobConfig.SCORES_TOP_K)).isEqualTo(3);
        assertThat(config.get(JobConfig.BOOTSTRAP_SERVERS)).isEqualTo("127.0.0.1:9092");
    }

    @Test
    void orderingIsEventTimeForABoundedBackfillAndArrivalForALiveJobUnlessSet() {
        JobConfig live = JobConfig.fromMap(MINIMAL);
        assertThat(live.get(JobConfig.ORDERING)).isEqualTo(Ordering.AUTO);
        assertThat(TrainerSettings.from(live).eventTimeOrdering()).isFalse();
        JobConfig backfill = live.with(Map.of("bounded", "true"));
        assertThat(TrainerSettings.from(backfill).eventTimeOrdering()).isTrue();
        assertThat(
                        TrainerSettings.from(backfill.with(Map.of("ordering", "arrival")))
                                .eventTimeOrdering())
                .isFalse();
        assertThat(
                        TrainerSettings.from(live.with(Map.of("ordering", "event-time")))
                                .eventTimeOrdering())
                .isTrue();
    }

    @Test
    void unknownOrderingIsRejectedNamingTheSettingAndWhatIsAllowed() {
        assertThatThrownBy(
                        () ->
                                JobConfig.fromMap(
                                        Map.of("bootstrap.servers", "h:1", "ordering", "random")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'ordering'")
                .hasMessageContaining("auto, arrival or event-time");
    }

    @Test
    void scoreExclusionsAreASubsetOfPurchasedAndRatedOrNone() {
        JobConfig config = JobConfig.fromMap(MINIMAL);
        assertThat(config.get(JobConfig.SCORES_EXCLUDE)).containsExactly("purchased", "rated");
        TrainerSettings none = TrainerSettings.from(config.with(Map.of("scores.exclude", "none")));
        assertThat(none.excludePurchased()).isFalse();
        assertThat(none.excludeRated()).isFalse();
        TrainerSettings rated =
                TrainerSettings.from(config.with(Map.of("scores.exclude", "rated")));
        assertThat(rated.excludePurchased()).isFalse();
        assertThat(rated.excludeRated()).isTrue();
        assertThatThrownBy(() -> config.with(Map.of("scores.exclude", "clicked")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "setting 'scores.exclude' must be none, or a comma-separated subset of"
                                + " purchased and rated, got 'clicked'");
    }
}
