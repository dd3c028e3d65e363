package io.mtrec.flink;

import io.mtrec.flink.cli.SnapshotCollector;
import io.mtrec.flink.kafka.EmbeddedKafka;
import io.mtrec.flink.metrics.InProcessMetricsReporter;
import io.mtrec.model.MultiTaskLearner;
import io.mtrec.schemas.ClickEvent;
import io.mtrec.schemas.DeadLetter;
import io.mtrec.schemas.ItemProfile;
import io.mtrec.schemas.ModelSnapshotChunk;
import io.mtrec.schemas.TopicKind;
import io.mtrec.schemas.TopicRegistry;
import io.mtrec.schemas.serde.AvroSerde;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Item profiles from the items topic reach every trainer through its broadcast input: a real broker
 * and a MiniCluster, a model with text embeddings.
 */
class ItemProfilesIT {
    private static final List<Float> LAMP = List.of(1f, 0f, 0.5f, -1f);
    private static final List<Float> COLD = List.of(-0.25f, 2f, 0f, 1f);
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

    private static EmbeddedKafka kafka;
    private static MultiTaskLearner model;
    private static List<DeadLetter> deadLetters;

    @BeforeAll
    static void trainWithProfiles() throws Exception {
        kafka = EmbeddedKafka.start();
        TopicRegistry topics = KafkaTestSupport.topics("profiles");
        KafkaTestSupport.createTopics(kafka, topics);
        AvroSerde<ItemProfile> profiles = AvroSerde.of(ItemProfile.class);
        AvroSerde<ClickEvent> clicks = AvroSerde.of(ClickEvent.class);
        String items = topics.name(TopicKind.ITEMS);
        try (KafkaProducer<byte[], byte[]> producer =
                KafkaTestSupport.producer(kafka.bootstrapServers())) {
            producer.send(record(items, "lamp", profiles.serialize(profile("lamp", LAMP))));
            producer.send(record(items, "cold", profiles.serialize(profile("cold", COLD))));
            producer.send(
                    record(items, "short", profiles.serialize(profile("short", List.of(1f, 2f)))));
            producer.send(record(items, "junk", "not avro".getBytes(StandardCharsets.UTF_8)));
            for (int i = 0; i < 64; i++) {
                String user = "u" + (i % 8);
                ClickEvent click =
                        new ClickEvent(
                                "c" + i,
                                user,
                                i % 2 == 0 ? "lamp" : "mug",
                                T.plusSeconds(i),
                                i % 3 == 0,
                                null,
                                null);
                producer.send(record(topics.name(TopicKind.CLICKS), user, clicks.serialize(click)));
            }
        }

        KafkaTestSupport.trainBounded(
                kafka,
                topics,
                Map.of("batch.size", "16", "model.item.text.dim", "4"),
                "item-profiles-it");

        String servers = kafka.bootstrapServers();
        SnapshotCollector snapshots = new SnapshotCollector();
        KafkaTestSupport.readAllValues(
                        servers,
                        topics.name(TopicKind.SNAPSHOTS),
                        AvroSerde.of(ModelSnapshotChunk.class))
                .forEach(snapshots::add);
        model = MultiTaskLearner.fromSnapshotBytes(snapshots.newest().orElseThrow().bytes());
        deadLetters =
                KafkaTestSupport.readAllValues(
                        servers, topics.name(TopicKind.DEADLETTER), AvroSerde.of(DeadLetter.class));
    }

    private static ItemProfile profile(String item, List<Float> text) {
        return new ItemProfile(item, null, text, T);
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String key, byte[] value) {
        return new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value);
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    @Test
    void theModelHoldsTheTextOfProfiledItemsSeenInEventsOrNot() {
        assertThat(model.itemTextEmbedding("lamp")).containsExactly(1f, 0f, 0.5f, -1f);
        assertThat(model.itemTextEmbedding("cold")).containsExactly(-0.25f, 2f, 0f, 1f);
        assertThat(model.itemTextEmbedding("mug")).containsOnly(0f);
    }

    @Test
    void badProfilesAreDeadLettersAndEveryEventIsStillLearned() {
        assertThat(deadLetters)
                .extracting(DeadLetter::getError)
                .containsExactlyInAnyOrder(
                        "INVALID: profile of item short: text embedding has 2 values,"
                                + " item.text.dim is 4",
                        deadLetters.stream()
                                .map(DeadLetter::getError)
                                .filter(e -> e.startsWith("NOT_SINGLE_OBJECT"))
                                .findFirst()
                                .orElse("no NOT_SINGLE_OBJECT letter"));
        assertThat(InProcessMetricsReporter.counter("deadLetters")).isEqualTo(2);
        assertThat(InProcessMetricsReporter.counter("eventsLearned")).isEqualTo(64);
    }
}
