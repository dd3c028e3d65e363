package io.mtrec.flink.sinks;

import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.KafkaSinkBuilder;

/** Builds the job's Kafka sinks; all of them write {@link OutboundRecord}s. */
public final class KafkaSinks {
    /** Transaction timeout of exactly-once sinks: a stock broker's maximum (15 minutes). */
    public static final long TRANSACTION_TIMEOUT_MS = 15 * 60 * 1000;

    private KafkaSinks() {}

    /**
     * A sink to {@code topic}. With {@link DeliveryGuarantee#EXACTLY_ONCE} records are written in
     * Kafka transactions committed on checkpoints, under a transactional id prefix made from {@code
     * transactionalIdPrefix} and the topic, so two sinks of one job never share ids. A record waits
     * up to {@code lingerMs} for others to share its request (the producer also batches whatever
     * accumulates while a request is in flight).
     */
    public static KafkaSink<OutboundRecord> create(
            String bootstrapServers,
            String topic,
            DeliveryGuarantee guarantee,
            String transactionalIdPrefix,
            long lingerMs) {
        KafkaSinkBuilder<OutboundRecord> builder =
                KafkaSink.<OutboundRecord>builder()
                        .setBootstrapServers(bootstrapServers)
                        .setRecordSerializer(new OutboundSerializationSchema(topic))
                        .setDeliveryGuarantee(guarantee)
                        .setTransactionalIdPrefix(transactionalIdPrefix + "-" + topic)
                        .setProperty("linger.ms", Long.toString(lingerMs))
                        .setProperty("max.request.size", Integer.toString(2 * 1024 * 1024));
        if (guarantee == DeliveryGuarantee.EXACTLY_ONCE) {
            // The connector's default (1 h) exceeds a stock broker's transaction.max.timeout.ms
            // (15 min), which would fail every transactional producer at start.
            builder.setProperty("transaction.timeout.ms", Long.toString(TRANSACTION_TIMEOUT_MS));
        }
        return builder.build();
    }
}
