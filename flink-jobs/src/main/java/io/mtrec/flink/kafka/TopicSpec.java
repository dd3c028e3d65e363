package io.mtrec.flink.kafka;

import java.util.Objects;

/**
 * A topic to create on an {@link EmbeddedKafka} broker: its name, its partition count and whether
 * it is log-compacted (keeps the latest record per key) rather than deleted by retention.
 *
 * @param name the topic name
 * @param partitions the number of partitions, at least 1
 * @param compacted whether the topic has {@code cleanup.policy=compact}
 */
public record TopicSpec(String name, int partitions, boolean compacted) {

    public TopicSpec {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("topic name is blank");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException(
                    "topic " + name + " needs at least one partition, got " + partitions);
        }
    }
}
