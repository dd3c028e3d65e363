package io.mtrec.flink.sources;

import io.mtrec.schemas.ClickEvent;
import io.mtrec.schemas.PurchaseEvent;
import io.mtrec.schemas.RatingEvent;
import io.mtrec.schemas.TopicRegistry;
import io.mtrec.schemas.serde.RecordDecodingException;

import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.eventtime.SerializableTimestampAssigner;

/**
 * The event time of a raw event record, read from its Avro value inside the Kafka source, so each
 * partition gets its own watermark: a replay that reads one partition ahead of another then holds
 * nothing late. A record that does not decode gets {@link Long#MIN_VALUE}, which moves no
 * watermark; it goes on to the decoder and the dead-letter topic.
 */
public final class EventTimeAssigner implements SerializableTimestampAssigner<RawRecord> {
    private static final long serialVersionUID = 1L;

    private final EventDecoder decoder;

    public EventTimeAssigner(TopicRegistry topics) {
        this.decoder = new EventDecoder(topics);
    }

    @Override
    public long extractTimestamp(RawRecord raw, long recordTimestamp) {
        if (raw.value == null || !decoder.decodes(raw.topic)) {
            return Long.MIN_VALUE;
        }
        SpecificRecord record;
        try {
            record = decoder.decode(raw);
        } catch (RecordDecodingException e) {
            return Long.MIN_VALUE;
        }
        if (record instanceof ClickEvent c && c.getEventTime() != null) {
            return c.getEventTime().toEpochMilli();
        }
        if (record instanceof PurchaseEvent p && p.getEventTime() != null) {
            return p.getEventTime().toEpochMilli();
        }
        if (record instanceof RatingEvent r && r.getEventTime() != null) {
            return r.getEventTime().toEpochMilli();
        }
        return Long.MIN_VALUE;
    }
}
