package io.mtrec.schemas;

import io.mtrec.schemas.serde.AvroSerde;

import org.apache.avro.specific.SpecificRecord;

import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The immutable binding of every topic name to its Avro schema and serde: the one place that knows
 * which bytes go where.
 */
public final class TopicRegistry {
    private final Map<TopicKind, Topic<?>> byKind;
    private final Map<String, Topic<?>> byName;

    private TopicRegistry(Map<TopicKind, String> names) {
        Map<TopicKind, Topic<?>> kinds = new EnumMap<>(TopicKind.class);
        Map<String, Topic<?>> named = new HashMap<>();
        for (TopicKind kind : TopicKind.values()) {
            Topic<?> topic = topicOf(kind, names.getOrDefault(kind, kind.defaultName()));
            Topic<?> clash = named.put(topic.name(), topic);
            if (clash != null) {
                throw new IllegalArgumentException(
                        "topic name '"
                                + topic.name()
                                + "' is used for both "
                                + clash.kind()
                                + " and "
                                + kind
                                + "; every topic needs its own name");
            }
            kinds.put(kind, topic);
        }
        this.byKind = Collections.unmodifiableMap(kinds);
        this.byName = Collections.unmodifiableMap(named);
    }

    /** All topics under their default names ({@code mtrec.clicks}, ...). */
    public static TopicRegistry defaults() {
        return new TopicRegistry(Map.of());
    }

    /** All topics, with the given kinds renamed and the rest under their default names. */
    public static TopicRegistry withNames(Map<TopicKind, String> names) {
        return new TopicRegistry(names);
    }

    @SuppressWarnings("unchecked")
    public <T extends SpecificRecord> Topic<T> get(TopicKind kind, Class<T> type) {
        Topic<?> topic = byKind.get(kind);
        if (!topic.serde().type().equals(type)) {
            throw new IllegalArgumentException(
                    kind + " carries " + topic.serde().type().getSimpleName() + ", not " + type);
        }
        return (Topic<T>) topic;
    }

    public Topic<?> get(TopicKind kind) {
        return byKind.get(kind);
    }

    public String name(TopicKind kind) {
        return byKind.get(kind).name();
    }

    public Optional<Topic<?>> byName(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Collection<Topic<?>> all() {
        return byKind.values();
    }

    private static <T extends SpecificRecord> Topic<T> topicOf(TopicKind kind, String name) {
        @SuppressWarnings("unchecked")
        Class<T> type = (Class<T>) kind.valueType();
        return new Topic<>(kind, name, AvroSerde.of(type));
    }
}
