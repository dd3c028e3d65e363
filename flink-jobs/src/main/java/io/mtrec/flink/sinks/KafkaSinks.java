package io.mtrec.flink.sinks;

import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;

/** Builds the job's Kafka sinks; all of them write {@link OutboundRecord}s. */
public final class KafkaSinks {
    private KafkaSinks() {}

    /**
     * A sink to {@code topic}. With {@link DeliveryGuarantee#EXACTLY_ONCE} records are written in
     * Kafka transactions committed on checkpoints, under a transactional id prefix made from {@code
     * transactionalIdPrefix} and the topic, so two sinks of one job never share ids.
     */
    public static KafkaSink<OutboundRecord> create(
            String bootstrapServers,
            String topic,
            DeliveryGuarantee guarantee,
            String transactionalIdPrefix) {
        return KafkaSink.<OutboundRecord>builder()
                .setBootstrapServers(bootstrapServers)
                .setRecordSerializer(new OutboundSerializationSchema(topic))
                .setDeliveryGuarantee(guarantee)
                .setTransactionalIdPrefix(transactionalIdPrefix + "-" + topic)
                .setProperty("linger.ms", "5")
                .setProperty("max.request.size", Integer.toString(2 * 1024 * 1024))
                .build();
    }
}
