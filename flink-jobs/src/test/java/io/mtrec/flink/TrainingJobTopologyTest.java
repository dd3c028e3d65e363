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
}
