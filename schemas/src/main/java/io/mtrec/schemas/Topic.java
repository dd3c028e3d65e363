package io.mtrec.schemas;

import io.mtrec.schemas.serde.AvroSerde;

import org.apache.avro.specific.SpecificRecord;

import java.util.Objects;

/** One topic: its kind, its name on the cluster, and the serde of its values. */
public record Topic<T extends SpecificRecord>(TopicKind kind, String name, AvroSerde<T> serde) {
    public Topic {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(serde, "serde");
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("topic name of " + kind + " must not be blank");
        }
        if (!kind.valueType().equals(serde.type())) {
            throw new IllegalArgumentException(
                    "topic "
                            + kind
                            + " carries "
                            + kind.valueType().getSimpleName()
                            + ", not "
                            + serde.type().getSimpleName());
        }
    }
}
