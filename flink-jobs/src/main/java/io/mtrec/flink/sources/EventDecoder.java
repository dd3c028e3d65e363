package io.mtrec.flink.sources;

import io.mtrec.schemas.TopicKind;
import io.mtrec.schemas.TopicRegistry;
import io.mtrec.schemas.serde.AvroSerde;
import io.mtrec.schemas.serde.RecordDecodingException;

import org.apache.avro.specific.SpecificRecord;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

/**
 * Decodes a raw record of one of the event topics (clicks, purchases, ratings) with its topic's
 * serde. Serialisable, so the functions that decode (the decoder, the source's event-time assigner)
 * can carry it; the serdes are made on first use.
 */
final class EventDecoder implements Serializable {
    private static final long serialVersionUID = 1L;

    private final HashMap<String, TopicKind> eventTopics = new HashMap<>();
    private transient Map<String, AvroSerde<?>> serdes;

    EventDecoder(TopicRegistry topics) {
        for (TopicKind kind : DecodeFunction.EVENT_TOPICS) {
            eventTopics.put(topics.name(kind), kind);
        }
    }

    /** Whether {@code topic} is one of the event topics. */
    boolean decodes(String topic) {
        return eventTopics.containsKey(topic);
    }

    /**
     * The record {@code raw} holds.
     *
     * @throws IllegalArgumentException if {@code raw} is not from an event topic
     * @throws RecordDecodingException if its value does not decode
     */
    SpecificRecord decode(RawRecord raw) throws RecordDecodingException {
        if (serdes == null) {
            serdes = new HashMap<>();
            eventTopics.forEach((name, kind) -> serdes.put(name, AvroSerde.of(kind.valueType())));
        }
        AvroSerde<?> serde = serdes.get(raw.topic);
        if (serde == null) {
            throw new IllegalArgumentException("record from unexpected topic " + raw.topic);
        }
        return serde.deserialize(raw.value);
    }
}
