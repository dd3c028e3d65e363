package io.mtrec.model.synthetic;

import io.mtrec.model.Interaction;

import org.apache.avro.specific.SpecificRecord;

import java.util.Objects;

/**
 * One generated event in two equivalent forms: the Avro record to publish to Kafka ({@code
 * ClickEvent}, {@code PurchaseEvent} or {@code RatingEvent}) and the {@link Interaction} that
 * model-core learns from directly.
 */
public record SyntheticEvent(SpecificRecord record, Interaction interaction) {
    public SyntheticEvent {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(interaction, "interaction");
    }

    /** Event time in epoch millis. */
    public long eventTime() {
        return interaction.eventTime();
    }
}
