package io.mtrec.flink.cli;

import io.mtrec.schemas.serde.AvroSerde;
import io.mtrec.schemas.serde.RecordDecodingException;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.function.Consumer;

/**
 * Follows one topic from its beginning without a consumer group, decoding each value (with the
 * topic's serde, or a decoder that reads less of it), until stopped. Used by the demo, the bench
 * and {@code ./mtrec scores}.
 */
public final class TopicFollower<T> implements Runnable, AutoCloseable {
    /** Turns a record value into what the follower hands on. */
    @FunctionalInterface
    public interface Decoder<T> {
        T decode(byte[] value) throws RecordDecodingException;
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Decoder<T> decoder;
    private final Consumer<T> sink;
    private final String topic;
    private volatile boolean stopped;
    private volatile long undecodable;

    public static <R extends SpecificRecord> TopicFollower<R> of(
            String bootstrapServers,
            String topic,
            AvroSerde<R> serde,
            boolean readCommitted,
            Consumer<R> sink) {
        return new TopicFollower<>(
                bootstrapServers, topic, serde::deserialize, readCommitted, sink);
    }

    public TopicFollower(
            String bootstrapServers,
            String topic,
            Decoder<T> decoder,
            boolean readCommitted,
            Consumer<T> sink) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        props.put(
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        props.put(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                readCommitted ? "read_committed" : "read_uncommitted");
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(4 << 20));
        this.consumer = new KafkaConsumer<>(props);
        this.decoder = decoder;
        this.sink = sink;
        this.topic = topic;
    }

    /** Assigns every partition of the topic and seeks to its beginning. */
    public void assignFromBeginning() {
        List<TopicPartition> partitions =
                consumer.partitionsFor(topic).stream()
                        .map((PartitionInfo p) -> new TopicPartition(p.topic(), p.partition()))
                        .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    @Override
    public void run() {
        assignFromBeginning();
        while (!stopped) {
            pollOnce(Duration.ofMillis(200));
        }
    }

    /** Reads everything up to the current end of the topic, then returns. */
    public void drain() {
        while (true) {
            var end = consumer.endOffsets(consumer.assignment());
            boolean atEnd =
                    end.entrySet().stream()
                            .allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
            if (atEnd) {
                return;
            }
            pollOnce(Duration.ofMillis(200));
        }
    }

    private void pollOnce(Duration timeout) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
            try {
                sink.accept(decoder.decode(r.value()));
            } catch (RecordDecodingException e) {
                undecodable++;
            }
        }
    }

    public long undecodable() {
        return undecodable;
    }

    public void stop() {
        stopped = true;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
