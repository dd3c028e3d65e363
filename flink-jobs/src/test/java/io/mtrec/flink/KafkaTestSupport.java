package io.mtrec.flink;

import io.mtrec.flink.cli.LocalCheckpoints;
import io.mtrec.flink.config.JobConfig;
import io.mtrec.flink.kafka.EmbeddedKafka;
import io.mtrec.flink.kafka.TopicSpec;
import io.mtrec.flink.metrics.InProcessMetricsReporter;
import io.mtrec.schemas.ClickEvent;
import io.mtrec.schemas.PurchaseEvent;
import io.mtrec.schemas.RatingEvent;
import io.mtrec.schemas.TopicKind;
import io.mtrec.schemas.TopicRegistry;
import io.mtrec.schemas.serde.AvroSerde;
import io.mtrec.schemas.serde.RecordDecodingException;

import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** Shared helpers of the integration tests: topics, producing, reading a topic to its end. */
final class KafkaTestSupport {
    private KafkaTestSupport() {}

    /** File-system checkpoints for every test job of this JVM, deleted when it exits. */
    private static final LocalCheckpoints CHECKPOINTS = localCheckpoints();

    private static LocalCheckpoints localCheckpoints() {
        try {
            LocalCheckpoints checkpoints = LocalCheckpoints.create();
            Runtime.getRuntime().addShutdownHook(new Thread(checkpoints::close));
            return checkpoints;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * An environment that runs its job on a fresh in-process MiniCluster with the in-process metric
     * reporter, so tests can read job metrics. Metrics of earlier jobs are forgotten.
     */
    static StreamExecutionEnvironment miniCluster(int parallelism) {
        return miniCluster(parallelism, new Configuration());
    }

    /**
     * As {@link #miniCluster(int)}, with {@code conf} (e.g. a restart strategy) for the cluster.
     */
    static StreamExecutionEnvironment miniCluster(int parallelism, Configuration conf) {
        if (!conf.contains(CheckpointingOptions.CHECKPOINT_STORAGE)) {
            CHECKPOINTS.configure(conf);
        }
        InProcessMetricsReporter.configure(conf);
        InProcessMetricsReporter.reset();
        return StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
    }

    /** Topic names prefixed with {@code prefix}, so tests sharing a broker never collide. */
    static TopicRegistry topics(String prefix) {
        Map<TopicKind, String> names = new java.util.EnumMap<>(TopicKind.class);
        for (TopicKind kind : TopicKind.values()) {
            names.put(kind, prefix + "." + kind.defaultName());
        }
        return TopicRegistry.withNames(names);
    }

    static Map<String, String> topicSettings(TopicRegistry topics) {
        Map<String, String> settings = new java.util.HashMap<>();
        for (TopicKind kind : TopicKind.values()) {
            settings.put("topic." + kind.name().toLowerCase(), topics.name(kind));
        }
        return settings;
    }

    static void createTopics(EmbeddedKafka kafka, TopicRegistry topics) throws Exception {
        List<TopicSpec> specs = new ArrayList<>();
        for (TopicKind kind : TopicKind.values()) {
            specs.add(new TopicSpec(topics.name(kind), 2, kind.compacted()));
        }
        kafka.createTopics(specs);
    }

    static KafkaProducer<byte[], byte[]> producer(String servers) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(props);
    }

    /** Every record of {@code topic}, read from the beginning to the current end offsets. */
    static List<ConsumerRecord<byte[], byte[]>> readAll(String servers, String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        props.put(
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        props.put(
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions =
                    consumer.partitionsFor(topic).stream()
                            .map(p -> new TopicPartition(topic, p.partition()))
                            .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    /**
     * Runs the training job once over everything now in the event topics ({@code bounded=true}) on
     * a fresh MiniCluster at parallelism 1, with {@code settings} over the test defaults.
     */
    static void trainBounded(
            EmbeddedKafka kafka, TopicRegistry topics, Map<String, String> settings, String name)
            throws Exception {
        Map<String, String> all = new java.util.HashMap<>(topicSettings(topics));
        all.put("bootstrap.servers", kafka.bootstrapServers());
        all.put("bounded", "true");
        all.putAll(settings);
        JobConfig config = JobConfig.fromMap(all);
        StreamExecutionEnvironment env = miniCluster(1);
        TrainingJob.build(env, config, new KafkaJobIO(config));
        env.execute(name);
    }

    /** Every value of {@code topic}, decoded; an undecodable value fails the test. */
    static <T extends SpecificRecord> List<T> readAllValues(
            String servers, String topic, AvroSerde<T> serde) {
        List<T> values = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(servers, topic)) {
            try {
                values.add(serde.deserialize(r.value()));
            } catch (RecordDecodingException e) {
                throw new AssertionError("undecodable record in " + topic + " at " + r.offset(), e);
            }
        }
        return values;
    }

    /** A synthetic event's record for its topic in {@code topics}, keyed by its user. */
    static ProducerRecord<byte[], byte[]> eventRecord(TopicRegistry topics, SpecificRecord r) {
        if (r instanceof ClickEvent c) {
            return new ProducerRecord<>(
                    topics.name(TopicKind.CLICKS),
                    c.getUserId().getBytes(StandardCharsets.UTF_8),
                    AvroSerde.of(ClickEvent.class).serialize(c));
        }
        if (r instanceof PurchaseEvent p) {
            return new ProducerRecord<>(
                    topics.name(TopicKind.PURCHASES),
                    p.getUserId().getBytes(StandardCharsets.UTF_8),
                    AvroSerde.of(PurchaseEvent.class).serialize(p));
        }
        RatingEvent rating = (RatingEvent) r;
        return new ProducerRecord<>(
                topics.name(TopicKind.RATINGS),
                rating.getUserId().getBytes(StandardCharsets.UTF_8),
                AvroSerde.of(RatingEvent.class).serialize(rating));
    }

    /**
     * Runs the live job built in {@code env} as {@code job} until its trainers have read all {@code
     * events} and learned them but for partial batches (fewer than {@code maxWaiting} events wait
     * in batches), then stops it draining, as an operator ends a live run: the trainers learn what
     * they still hold and publish a final snapshot. The job is cancelled, and the test fails, if
     * that takes longer than {@code timeout}.
     */
    static void runLiveUntilRead(
            StreamExecutionEnvironment env,
            String job,
            long events,
            long maxWaiting,
            Path savepoints,
            Duration timeout)
            throws Exception {
        JobClient client = env.executeAsync(job);
        boolean read =
                InProcessMetricsReporter.waitFor(
                        () -> {
                            long waiting =
                                    InProcessMetricsReporter.gaugeSum(job, "eventsWaitingInBatch");
                            return InProcessMetricsReporter.gaugeSum(job, "learnedEvents")
                                                    + InProcessMetricsReporter.gaugeSum(
                                                            job, "eventsHeldForWatermark")
                                                    + waiting
                                            >= events
                                    && waiting < maxWaiting;
                        },
                        timeout);
        if (!read) {
            String state =
                    "learned "
                            + InProcessMetricsReporter.gauges(job, "learnedEvents")
                            + ", held "
                            + InProcessMetricsReporter.gauges(job, "eventsHeldForWatermark")
                            + ", waiting "
                            + InProcessMetricsReporter.gauges(job, "eventsWaitingInBatch")
                            + ", deltas applied "
                            + InProcessMetricsReporter.counter(job, "paramDeltasApplied");
            client.cancel().get();
            throw new AssertionError(
                    job + " did not read every event in " + timeout + "; " + state);
        }
        stopWithSavepoint(client, savepoints.resolve(job).toUri().toString(), timeout);
    }

    /**
     * Drains and stops the job with a savepoint, waiting while a task is not running: a job that
     * has just restarted after a failure may have read everything before every task is back.
     */
    private static void stopWithSavepoint(JobClient client, String path, Duration timeout)
            throws Exception {
        java.util.concurrent.ExecutionException[] notRunning = {null};
        if (!InProcessMetricsReporter.waitFor(() -> stopped(client, path, notRunning), timeout)) {
            throw notRunning[0];
        }
    }

    /**
     * Whether the stop succeeded; false (keeping the failure) while a task is not running, any
     * other failure thrown.
     */
    private static boolean stopped(
            JobClient client, String path, java.util.concurrent.ExecutionException[] notRunning) {
        try {
            client.stopWithSavepoint(true, path, SavepointFormatType.CANONICAL).get();
            return true;
        } catch (java.util.concurrent.ExecutionException e) {
            if (!notAllTasksRunning(e)) {
                throw new IllegalStateException("stop with savepoint failed", e);
            }
            notRunning[0] = e;
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping the job", e);
        }
    }

    private static boolean notAllTasksRunning(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.apache.flink.runtime.checkpoint.CheckpointException c
                    && c.getCheckpointFailureReason()
                            == org.apache.flink.runtime.checkpoint.CheckpointFailureReason
                                    .NOT_ALL_REQUIRED_TASKS_RUNNING) {
                return true;
            }
        }
        return false;
    }
}
