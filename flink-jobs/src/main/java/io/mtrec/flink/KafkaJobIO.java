package io.mtrec.flink;

import io.mtrec.flink.config.JobConfig;
import io.mtrec.flink.config.StartPosition;
import io.mtrec.flink.sinks.KafkaSinks;
import io.mtrec.flink.sinks.OutboundRecord;
import io.mtrec.flink.sources.DecodeFunction;
import io.mtrec.flink.sources.EventTimeAssigner;
import io.mtrec.flink.sources.RawRecord;
import io.mtrec.flink.sources.RawRecordDeserializationSchema;
import io.mtrec.flink.train.TrainerSettings;
import io.mtrec.schemas.TopicKind;
import io.mtrec.schemas.TopicRegistry;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

import java.time.Duration;
import java.util.List;

/** The job's Kafka wiring: one source over the event topics and one sink per output topic. */
public final class KafkaJobIO implements JobIO {
    private final JobConfig config;
    private final TopicRegistry topics;
    private final long startedAt;

    public KafkaJobIO(JobConfig config) {
        this.config = config;
        this.topics = config.topics();
        this.startedAt = System.currentTimeMillis();
    }

    @Override
    public DataStream<RawRecord> events(StreamExecutionEnvironment env) {
        List<String> eventTopics = DecodeFunction.EVENT_TOPICS.stream().map(topics::name).toList();
        KafkaSourceBuilder<RawRecord> builder =
                source(eventTopics, startingOffsets(config.get(JobConfig.START)));
        if (config.get(JobConfig.BOUNDED)) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return env.fromSource(builder.build(), eventWatermarks(), "kafka-events")
                .setParallelism(config.get(JobConfig.SOURCE_PARALLELISM))
                .uid("kafka-events");
    }

    /** A source of raw records of {@code names} from {@code start}, finding new partitions. */
    private KafkaSourceBuilder<RawRecord> source(List<String> names, OffsetsInitializer start) {
        return KafkaSource.<RawRecord>builder()
                .setBootstrapServers(config.get(JobConfig.BOOTSTRAP_SERVERS))
                .setGroupId(config.get(JobConfig.GROUP_ID))
                .setTopics(names)
                .setDeserializer(new RawRecordDeserializationSchema())
                .setStartingOffsets(start)
                .setProperty("partition.discovery.interval.ms", "10000");
    }

    /**
     * Watermarks per partition (split), from the events' own times: a partition is in event-time
     * order, so however the reader interleaves partitions no event falls behind the watermark. With
     * event-time ordering, watermark alignment pauses a partition that runs more than the allowed
     * lateness ahead of the slowest, which bounds the events the trainer holds during a replay; a
     * partition idle for 30 s does not hold the watermark back.
     */
    private WatermarkStrategy<RawRecord> eventWatermarks() {
        Duration lateness = Duration.ofMillis(config.get(JobConfig.WATERMARK_OUT_OF_ORDERNESS_MS));
        Duration drift =
                lateness.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : lateness;
        WatermarkStrategy<RawRecord> strategy =
                WatermarkStrategy.<RawRecord>forBoundedOutOfOrderness(lateness)
                        .withTimestampAssigner(new EventTimeAssigner(topics))
                        .withIdleness(Duration.ofSeconds(30));
        // Only an event-time trainer holds events for the watermark; in arrival order pausing
        // partitions would only slow the reader.
        return TrainerSettings.from(config).eventTimeOrdering()
                ? strategy.withWatermarkAlignment("mtrec-events", drift, Duration.ofSeconds(1))
                : strategy;
    }

    @Override
    public DataStream<RawRecord> items(StreamExecutionEnvironment env) {
        KafkaSourceBuilder<RawRecord> builder =
                source(List.of(topics.name(TopicKind.ITEMS)), OffsetsInitializer.earliest());
        if (config.get(JobConfig.BOUNDED)) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return env.fromSource(builder.build(), WatermarkStrategy.noWatermarks(), "kafka-items")
                .setParallelism(1)
                .uid("kafka-items");
    }

    /**
     * Deltas written since this job was built: an earlier run's deltas in the topic belong to other
     * replicas. With exactly-once deltas, only committed ones are read.
     */
    @Override
    public DataStream<RawRecord> paramSync(StreamExecutionEnvironment env) {
        KafkaSourceBuilder<RawRecord> builder =
                source(
                        List.of(topics.name(TopicKind.PARAM_SYNC)),
                        OffsetsInitializer.timestamp(startedAt));
        if (config.get(JobConfig.PARAM_SYNC_DELIVERY) == DeliveryGuarantee.EXACTLY_ONCE) {
            builder.setProperty("isolation.level", "read_committed");
        }
        return env.fromSource(builder.build(), WatermarkStrategy.noWatermarks(), "kafka-param-sync")
                .setParallelism(1)
                .uid("kafka-param-sync");
    }

    @Override
    public Sink<OutboundRecord> paramSyncSink() {
        return sink(TopicKind.PARAM_SYNC, config.get(JobConfig.PARAM_SYNC_DELIVERY));
    }

    private static OffsetsInitializer startingOffsets(StartPosition start) {
        return switch (start.mode()) {
            case EARLIEST -> OffsetsInitializer.earliest();
            case LATEST -> OffsetsInitializer.latest();
            case COMMITTED -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
            case TIMESTAMP -> OffsetsInitializer.timestamp(start.timestampMillis());
        };
    }

    @Override
    public Sink<OutboundRecord> scores() {
        return sink(TopicKind.SCORES, config.get(JobConfig.DELIVERY));
    }

    @Override
    public Sink<OutboundRecord> snapshots() {
        return sink(TopicKind.SNAPSHOTS, config.get(JobConfig.SNAPSHOT_DELIVERY));
    }

    @Override
    public Sink<OutboundRecord> deadLetters() {
        return sink(TopicKind.DEADLETTER, config.get(JobConfig.DELIVERY));
    }

    private Sink<OutboundRecord> sink(TopicKind kind, DeliveryGuarantee guarantee) {
        return KafkaSinks.create(
                config.get(JobConfig.BOOTSTRAP_SERVERS),
                topics.name(kind),
                guarantee,
                config.get(JobConfig.MODEL_ID),
                // Scores are read as soon as they are fresh: no lingering (measured 5 ms of a 35 ms
                // median at 10,000 events/s); the rest are large or rare, and batch.
                kind == TopicKind.SCORES ? 0 : 5);
    }
}
