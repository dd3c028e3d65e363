package io.mtrec.flink;

import io.mtrec.flink.config.JobConfig;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainingJobTopologyTest {

    @Test
    void parallelTrainersInABoundedRunAreRejectedWhileBuildingTheGraph() {
        JobConfig config =
                JobConfig.fromMap(
                        Map.of(
                                "bootstrap.servers",
                                "127.0.0.1:9092",
                                "trainer.parallelism",
                                "2",
                                "bounded",
                                "true"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        assertThatThrownBy(() -> TrainingJob.build(env, config, new KafkaJobIO(config)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(
                        "trainer.parallelism is 2 and bounded is true, but parallel trainers read"
                                + " each other's deltas from the unbounded param-sync topic, so the"
                                + " run would never end. Backfill with trainer.parallelism 1, or"
                                + " run unbounded.");
    }

    @Test
    void parallelTrainersReadAndWriteTheParamSyncTopic() {
        JobConfig config =
                JobConfig.fromMap(
                        Map.of("bootstrap.servers", "127.0.0.1:9092", "trainer.parallelism", "3"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();

        TrainingJob.build(env, config, new KafkaJobIO(config));

        StreamGraph graph = env.getStreamGraph();
        List<String> operators =
                graph.getStreamNodes().stream().map(node -> node.getOperatorName()).toList();
        assertThat(operators)
                .anySatisfy(name -> assertThat(name).contains("kafka-param-sync"))
                .anySatisfy(name -> assertThat(name).contains("param-sync: Writer"));
        assertThat(
                        graph.getStreamNodes().stream()
                                .filter(n -> n.getOperatorName().equals("mini-batch-trainer"))
                                .findFirst()
                                .orElseThrow()
                                .getParallelism())
                .isEqualTo(3);
    }

    @Test
    void everyOperatorFlushesItsNetworkBuffersWithinTheConfiguredTimeout() {
        JobConfig config =
                JobConfig.fromMap(
                        Map.of("bootstrap.servers", "127.0.0.1:9092", "buffer.timeout.ms", "3"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();

        TrainingJob.build(env, config, new KafkaJobIO(config));

        assertThat(env.getStreamGraph().getStreamNodes())
                .isNotEmpty()
                .allSatisfy(n -> assertThat(n.getBufferTimeout()).isEqualTo(3L));
    }

    @Test
    void theDefaultBufferTimeoutIsTenMillisecondsNotFlinks100() {
        JobConfig config = JobConfig.fromMap(Map.of("bootstrap.servers", "127.0.0.1:9092"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();

        TrainingJob.build(env, config, new KafkaJobIO(config));

        assertThat(env.getBufferTimeout()).isEqualTo(10L);
    }

    @Test
    void oneTrainerReadsNoParamSyncTopic() {
        JobConfig config = JobConfig.fromMap(Map.of("bootstrap.servers", "127.0.0.1:9092"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();

        TrainingJob.build(env, config, new KafkaJobIO(config));

        assertThat(env.getStreamGraph().getStreamNodes())
                .noneSatisfy(n -> assertThat(n.getOperatorName()).contains("param-sync"));
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

    @Test
    void theSnapshotWriterRunsInItsOwnTaskAndTheScoreWriterOnTheTrainersThread() {
        JobConfig config = JobConfig.fromMap(Map.of("bootstrap.servers", "127.0.0.1:9092"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();

        TrainingJob.build(env, config, new KafkaJobIO(config));

        List<String> tasks =
                java.util.stream.StreamSupport.stream(
                                org.apache.flink.streaming.api.graph.StreamingJobGraphGenerator
                                        .createJobGraph(env.getStreamGraph())
                                        .getVertices()
                                        .spliterator(),
                                false)
                        .map(v -> v.getName())
                        .toList();
        assertThat(tasks)
                .filteredOn(name -> name.contains("mini-batch-trainer"))
                .singleElement()
                .satisfies(
                        name ->
                                assertThat(name)
                                        .contains("scores: Writer")
                                        .doesNotContain("snapshots"));
        assertThat(tasks).anySatisfy(name -> assertThat(name).startsWith("snapshots: Writer"));
    }
}
