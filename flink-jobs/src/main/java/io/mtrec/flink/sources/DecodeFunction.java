package io.mtrec.flink.sources;

import io.mtrec.flink.sinks.OutboundRecord;
import io.mtrec.model.Interaction;
import io.mtrec.model.events.EventMapper;
import io.mtrec.model.events.InvalidEventException;
import io.mtrec.schemas.TopicKind;
import io.mtrec.schemas.TopicRegistry;
import io.mtrec.schemas.serde.RecordDecodingException;

import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import java.util.List;

/**
 * Decodes and validates raw event records. A record that does not decode or breaks a rule goes to
 * the {@link #DEAD_LETTERS} side output with the reason and is counted in the {@code
 * mtrec.deadLetters} metric; processing goes on.
 */
public final class DecodeFunction extends ProcessFunction<RawRecord, Interaction> {
    private static final long serialVersionUID = 1L;

    /** The topics this function decodes. */
    public static final List<TopicKind> EVENT_TOPICS =
            List.of(TopicKind.CLICKS, TopicKind.PURCHASES, TopicKind.RATINGS);

    public static final OutputTag<OutboundRecord> DEAD_LETTERS =
            new OutputTag<>("dead-letters", TypeInformation.of(OutboundRecord.class));

    private final EventDecoder decoder;
    private final EventMapper mapper;
    private transient DeadLetters deadLetters;

    /** Decodes the event topics of {@code topics} (clicks, purchases, ratings). */
    public DecodeFunction(TopicRegistry topics, EventMapper mapper) {
        this.decoder = new EventDecoder(topics);
        this.mapper = mapper;
    }

    @Override
    public void open(OpenContext context) {
        Counter counter =
                getRuntimeContext().getMetricGroup().addGroup("mtrec").counter("deadLetters");
        deadLetters = new DeadLetters(counter);
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<Interaction> out) {
        if (!decoder.decodes(raw.topic)) {
            deadLetter(raw, "record from unexpected topic " + raw.topic, ctx);
            return;
        }
        SpecificRecord record;
        try {
            record = decoder.decode(raw);
        } catch (RecordDecodingException e) {
            deadLetter(raw, e.reason() + ": " + e.getMessage(), ctx);
            return;
        }
        try {
            out.collect(mapper.toInteraction(record));
        } catch (InvalidEventException e) {
            deadLetter(raw, "INVALID: " + e.getMessage(), ctx);
        }
    }

    private void deadLetter(RawRecord raw, String reason, Context ctx) {
        deadLetters.send(raw, reason, ctx);
    }
}
