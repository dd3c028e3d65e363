package io.mtrec.flink;

import io.mtrec.flink.config.JobConfig;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainingJobTopologyTest {

    @Test
    void parallelTrainersAreRejectedWhileBuildingTheGraph() {
        JobConfig config =
                JobConfig.fromMap(
                        Map.of("bootstrap.servers", "127.0.0.1:9092", "trainer.parallelism", "2"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        assertThatThrownBy(() -> TrainingJob.build(env, config, new KafkaJobIO(config)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(
                        "trainer.parallelism is 2, but this version trains one model replica in a"
                                + " single subtask; parallel trainers need parameter sync through"
                                + " mtrec.param-sync, which is not built yet. Set"
                                + " trainer.parallelism to 1.");
    }

    @Test
    void exactlyOnceSinkWithoutCheckpointsIsRejected() {
        JobConfig config =
                JobConfig.fromMap(
                        Map.of(
                                "bootstrap.servers", "127.0.0.1:9092",
                                "checkpoint.interval.ms", "0"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        assertThatThrownBy(() -> TrainingJob.build(env, config, new KafkaJobIO(config)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(
                        "snapshots.delivery.guarantee is exactly-once, which commits Kafka"
                                + " transactions on checkpoints, but checkpoint.interval.ms is 0."
                                + " Enable checkpoints or set snapshots.delivery.guarantee to"
                                + " at-least-once.");
    }
}
