package io.mtrec.flink.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ./mtrec demo}, shortened: broker, local Flink, generator, live output and summary. */
class DemoCommandIT {
    @TempDir static Path dir;
    private static JsonNode summary;
    private static String output;

    @BeforeAll
    static void runShortDemo() throws Exception {
        Path file = dir.resolve("s.json");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int exit =
                Main.run(
                        new String[] {
                            "demo",
                            "--duration",
                            "12s",
                            "--rate",
                            "2000",
                            "--print-every",
                            "4s",
                            "--corrupt-every",
                            "1000",
                            "--summary",
                            file.toString()
                        },
                        new PrintStream(bytes, true, StandardCharsets.UTF_8),
                        System.err);
        output = bytes.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(output).isZero();
        summary = new ObjectMapper().readTree(file.toFile());
    }

    @Test
    void summaryHasEveryDocumentedKey() {
        for (String key :
                List.of(
                        "events",
                        "events_per_sec",
                        "click_auc",
                        "click_auc_bayes",
                        "purchase_auc",
                        "purchase_auc_bayes",
                        "rating_rmse",
                        "rating_rmse_bayes",
                        "users_active",
                        "users_scored",
                        "snapshots_published",
                        "snapshot_reload_max_abs_diff",
                        "dead_letters")) {
            assertThat(summary.has(key)).as(key).isTrue();
        }
    }

    @Test
    void jobLearnsEveryProducedEventAndScoresActiveUsers() {
        assertThat(summary.get("events").asLong()).isGreaterThan(10_000);
        assertThat(summary.get("users_scored").asInt())
                .isGreaterThanOrEqualTo((int) Math.ceil(0.9 * summary.get("users_active").asInt()));
    }

    @Test
    void publishedSnapshotReproducesLiveScores() {
        assertThat(summary.get("snapshots_published").asLong()).isPositive();
        assertThat(summary.get("snapshot_reload_max_abs_diff").asDouble())
                .isLessThanOrEqualTo(1e-5);
    }

    @Test
    void everyInjectedCorruptRecordIsDeadLettered() {
        assertThat(summary.get("dead_letters").asLong())
                .isEqualTo(summary.get("corrupt_records_sent").asLong())
                .isPositive();
    }

    @Test
    void modelBeatsChanceOnClicks() {
        assertThat(summary.get("click_auc").asDouble()).isGreaterThan(0.55);
        assertThat(summary.get("click_auc_bayes").asDouble()).isBetween(0.75, 0.85);
    }

    @Test
    void liveOutputShowsMetricsBesideBayesAndATopFive() {
        assertThat(output).contains("click AUC").contains("(bayes ").contains("u1 top-5");
    }
}
