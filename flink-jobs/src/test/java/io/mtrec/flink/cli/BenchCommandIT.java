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
import static org.assertj.core.api.Assertions.within;

/**
 * {@code ./mtrec bench}, shortened: both phases run against a real broker and a local Flink, and
 * the summary carries the documented keys. No figure is checked against a speed: the machine is
 * shared, and speed is what the command reports, not what a test asserts.
 */
class BenchCommandIT {
    @TempDir static Path dir;
    private static JsonNode summary;
    private static String output;

    @BeforeAll
    static void runShortBench() throws Exception {
        Path file = dir.resolve("b.json");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int exit =
                Main.run(
                        new String[] {
                            "bench",
                            "--saturation-events",
                            "20000",
                            "--rate",
                            "2000",
                            "--duration",
                            "8s",
                            "--warmup",
                            "3s",
                            "--summary",
                            file.toString(),
                            "--timeline",
                            dir.resolve("t.csv").toString(),
                            // Checkpoints and snapshots inside the short live phase.
                            "--checkpoint.interval.ms",
                            "1000",
                            "--snapshot.interval.ms",
                            "1000"
                        },
                        new PrintStream(bytes, true, StandardCharsets.UTF_8),
                        System.err);
        output = bytes.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(output).isZero();
        summary = new ObjectMapper().readTree(file.toFile());
    }

    @Test
    void summaryHasEveryDocumentedKey() {
        for (String key : BenchCommand.summaryKeys()) {
            assertThat(summary.has(key)).as(key).isTrue();
        }
        assertThat(summary.get("machine").get("cores").asInt()).isPositive();
    }

    @Test
    void saturationPhaseLearnsEveryEventWrittenBeforeIt() {
        assertThat(summary.get("saturation_events").asLong()).isGreaterThanOrEqualTo(20_000);
        assertThat(summary.get("events_per_sec").asLong()).isPositive();
        // Both are rounded from the same unrounded rate.
        assertThat(summary.get("events_per_sec_per_core").asDouble())
                .isCloseTo(
                        summary.get("events_per_sec").asDouble()
                                / summary.get("machine").get("cores").asInt(),
                        within(1.0));
    }

    @Test
    void stateBytesPerUserComeFromTheFinalSnapshot() {
        // A d = 32 Adagrad row alone is 264 bytes; the snapshot adds items and dense layers.
        assertThat(summary.get("state_bytes_per_user").asLong()).isGreaterThan(264);
    }

    @Test
    void latencyPhaseSamplesScoreRecordsWithFreshScoreDefaults() {
        assertThat(summary.get("latency_samples").asInt()).isPositive();
        assertThat(summary.get("latency_p50_ms").asDouble())
                .isLessThanOrEqualTo(summary.get("latency_p99_ms").asDouble());
        assertThat(summary.get("scores_flush_interval_ms").asLong()).isEqualTo(25);
        assertThat(summary.get("batch_timeout_ms").asLong()).isEqualTo(10);
    }

    @Test
    void theTimelineHasOneLinePerMeasuredScoreRecord() throws Exception {
        List<String> lines = java.nio.file.Files.readAllLines(dir.resolve("t.csv"));
        assertThat(lines.get(0)).isEqualTo("received_ms,latency_ms,output_latency_ms");
        assertThat(lines).hasSize(summary.get("latency_samples").asInt() + 1);
        String[] first = lines.get(1).split(",");
        assertThat(Long.parseLong(first[1])).isGreaterThanOrEqualTo(Long.parseLong(first[2]));
    }

    @Test
    void theTrainersCheckpointAndSnapshotPausesAreReported() {
        assertThat(summary.get("checkpoint_millis_max").isNumber()).isTrue();
        assertThat(summary.get("checkpoint_millis_max").asDouble()).isGreaterThanOrEqualTo(0);
        assertThat(summary.get("snapshot_publish_millis_max").isNumber()).isTrue();
        assertThat(summary.get("snapshot_publish_millis_max").asDouble()).isGreaterThanOrEqualTo(0);
    }
}
