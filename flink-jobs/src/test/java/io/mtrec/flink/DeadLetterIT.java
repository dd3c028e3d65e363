package io.mtrec.flink;

import io.mtrec.flink.kafka.EmbeddedKafka;
import io.mtrec.flink.metrics.InProcessMetricsReporter;
import io.mtrec.schemas.ClickEvent;
import io.mtrec.schemas.DeadLetter;
import io.mtrec.schemas.RatingEvent;
import io.mtrec.schemas.TopicKind;
import io.mtrec.schemas.TopicRegistry;
import io.mtrec.schemas.UserScores;
import io.mtrec.schemas.serde.AvroSerde;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input never stops the job: garbage bytes, a record of an unknown schema, a rating off the
 * scale and an empty user id each land in the dead-letter topic with their reason and source
 * coordinates, the metric counts them, and the valid records around them are learned.
 */
class DeadLetterIT {
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
    private static EmbeddedKafka kafka;
    private static TopicRegistry topics;
    private static final Map<String, RecordMetadata> bad = new HashMap<>();
    private static final int VALID = 40;
    private static List<DeadLetter> deadLetters;
    private static Set<String> scoredUsers;

    @BeforeAll
    static void runJobOnMixedInput() throws Exception {
        kafka = EmbeddedKafka.start();
        topics = KafkaTestSupport.topics("dlq");
        KafkaTestSupport.createTopics(kafka, topics);
        String clicks = topics.name(TopicKind.CLICKS);
        String ratings = topics.name(TopicKind.RATINGS);
        AvroSerde<ClickEvent> clickSerde = AvroSerde.of(ClickEvent.class);
        AvroSerde<RatingEvent> ratingSerde = AvroSerde.of(RatingEvent.class);
        try (KafkaProducer<byte[], byte[]> producer =
                KafkaTestSupport.producer(kafka.bootstrapServers())) {
            for (int i = 0; i < VALID; i++) {
                String user = "u" + (i % 10);
                ClickEvent click =
                        new ClickEvent(
                                "c" + i,
                                user,
                                "i" + (i % 7),
                                T.plusSeconds(i),
                                i % 3 == 0,
                                null,
                                null);
                producer.send(
                        new ProducerRecord<>(clicks, bytes(user), clickSerde.serialize(click)));
                if (i == 10) {
                    bad.put(
                            "garbage",
                            producer.send(
                                            new ProducerRecord<>(
                                                    clicks, bytes("x"), bytes("garbage!")))
                                    .get());
                }
                if (i == 20) {
                    RatingEvent misplaced = new RatingEvent("r1", "u1", "i1", T, 4f);
                    bad.put(
                            "unknown-schema",
                            producer.send(
                                            new ProducerRecord<>(
                                                    clicks,
                                                    bytes("u1"),
                                                    ratingSerde.serialize(misplaced)))
                                    .get());
                }
                if (i == 25) {
                    RatingEvent offScale = new RatingEvent("r2", "u2", "i2", T, 7f);
                    bad.put(
                            "off-scale",
                            producer.send(
                                            new ProducerRecord<>(
                                                    ratings,
                                                    bytes("u2"),
                                                    ratingSerde.serialize(offScale)))
                                    .get());
                }
                if (i == 30) {
                    ClickEvent noUser = new ClickEvent("c-x", "", "i1", T, true, null, null);
                    bad.put(
                            "empty-user",
                            producer.send(
                                            new ProducerRecord<>(
                                                    clicks,
                                                    bytes(""),
                                                    clickSerde.serialize(noUser)))
                                    .get());
                }
            }
        }

        KafkaTestSupport.trainBounded(kafka, topics, Map.of("batch.size", "8"), "dead-letter-it");

        String servers = kafka.bootstrapServers();
        deadLetters =
                KafkaTestSupport.readAllValues(
                        servers, topics.name(TopicKind.DEADLETTER), AvroSerde.of(DeadLetter.class));
        scoredUsers =
                KafkaTestSupport.readAllValues(
                                servers,
                                topics.name(TopicKind.SCORES),
                                AvroSerde.of(UserScores.class))
                        .stream()
                        .map(UserScores::getUserId)
                        .collect(Collectors.toSet());
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    @Test
    void eachBadRecordLandsInTheDeadLetterTopicWithItsReason() {
        assertThat(deadLetters).hasSize(4);
        assertThat(reasonFor("garbage")).startsWith("NOT_SINGLE_OBJECT");
        assertThat(reasonFor("unknown-schema"))
                .startsWith("UNKNOWN_SCHEMA")
                .contains("not a known version of ClickEvent");
        assertThat(reasonFor("off-scale"))
                .isEqualTo("INVALID: rating 7.0 is outside the scale [1.0, 5.0]");
        assertThat(reasonFor("empty-user")).isEqualTo("INVALID: userId is empty");
    }

    @Test
    void deadLetterKeepsTheOriginalPayload() {
        DeadLetter garbage = letterFor("garbage");
        assertThat(StandardCharsets.UTF_8.decode(garbage.getPayload()).toString())
                .isEqualTo("garbage!");
    }

    @Test
    void deadLetterMetricCountsEveryBadRecord() {
        assertThat(InProcessMetricsReporter.counter("deadLetters")).isEqualTo(4);
    }

    @Test
    void validRecordsAroundBadOnesAreLearned() {
        assertThat(InProcessMetricsReporter.counter("eventsLearned")).isEqualTo(VALID);
        assertThat(scoredUsers)
                .containsExactlyInAnyOrder(
                        "u0", "u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9");
    }

    private static DeadLetter letterFor(String name) {
        RecordMetadata meta = bad.get(name);
        return deadLetters.stream()
                .filter(
                        d ->
                                d.getSourceTopic().equals(meta.topic())
                                        && d.getPartition() == meta.partition()
                                        && d.getOffset() == meta.offset())
                .findFirst()
                .orElseThrow(
                        () -> new AssertionError("no dead letter for " + name + " at " + meta));
    }

    private static String reasonFor(String name) {
        return letterFor(name).getError();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
