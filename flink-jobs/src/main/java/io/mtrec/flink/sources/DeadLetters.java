package io.mtrec.flink.sources;

import io.mtrec.flink.sinks.OutboundRecord;
import io.mtrec.schemas.DeadLetter;
import io.mtrec.schemas.serde.AvroSerde;

import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;

import java.nio.ByteBuffer;

/**
 * Sends a raw record that cannot be used to the {@link DecodeFunction#DEAD_LETTERS} side output,
 * with its coordinates and the reason, and counts it.
 */
final class DeadLetters {
    private final Counter counter;
    private final AvroSerde<DeadLetter> serde = AvroSerde.of(DeadLetter.class);

    DeadLetters(Counter counter) {
        this.counter = counter;
    }

    void send(RawRecord raw, String reason, ProcessFunction<?, ?>.Context ctx) {
        counter.inc();
        DeadLetter letter =
                DeadLetter.newBuilder()
                        .setSourceTopic(raw.topic)
                        .setPartition(raw.partition)
                        .setOffset(raw.offset)
                        .setError(reason)
                        .setPayload(raw.value == null ? null : ByteBuffer.wrap(raw.value))
                        .build();
        ctx.output(
                DecodeFunction.DEAD_LETTERS, new OutboundRecord(raw.key, serde.serialize(letter)));
    }
}
