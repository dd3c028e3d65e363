package io.mtrec.flink;

import io.mtrec.flink.sinks.OutboundRecord;
import io.mtrec.flink.sources.RawRecord;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Where the training job reads and writes. {@link KafkaJobIO} wires Kafka; a test may wire anything
 * else and run the very same topology.
 */
public interface JobIO {
    /**
     * Raw records of the click, purchase and rating topics, undecoded, stamped with their event
     * times and carrying event-time watermarks (per partition, see {@code EventTimeAssigner}).
     */
    DataStream<RawRecord> events(StreamExecutionEnvironment env);

    /**
     * Raw records of the item profile topic, undecoded, from its beginning (profiles are compacted
     * state, not events). Read only when the model uses text embeddings ({@code item.text.dim} >
     * 0).
     */
    DataStream<RawRecord> items(StreamExecutionEnvironment env);

    /**
     * Raw records of the param-sync topic, from the job's start (a restore resumes from its
     * checkpoint). Read only with parallel trainers.
     */
    DataStream<RawRecord> paramSync(StreamExecutionEnvironment env);

    /** Where parallel trainers publish their parameter deltas. */
    Sink<OutboundRecord> paramSyncSink();

    Sink<OutboundRecord> scores();

    Sink<OutboundRecord> snapshots();

    Sink<OutboundRecord> deadLetters();
}
