package io.mtrec.flink;

import io.mtrec.flink.cli.SnapshotCollector;
import io.mtrec.flink.kafka.EmbeddedKafka;
import io.mtrec.flink.metrics.InProcessMetricsReporter;
import io.mtrec.model.Interaction;
import io.mtrec.model.ItemScore;
import io.mtrec.model.MultiTaskLearner;
import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.synthetic.SyntheticConfig;
import io.mtrec.model.synthetic.SyntheticEvent;
import io.mtrec.model.synthetic.SyntheticGenerator;
import io.mtrec.schemas.ModelSnapshotChunk;
import io.mtrec.schemas.ScoredItem;
import io.mtrec.schemas.TopicKind;
import io.mtrec.schemas.TopicRegistry;
import io.mtrec.schemas.UserScores;
import io.mtrec.schemas.serde.AvroSerde;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The whole job on a real Kafka broker and a Flink MiniCluster at parallelism 1: synthetic events
 * in, scores and a reloadable snapshot out.
 */
class TrainingJobIT {
    private static final int EVENTS = 20_000;

    private static EmbeddedKafka kafka;
    private static TopicRegistry topics;
    private static final Map<String, Long> lastEventTimes = new HashMap<>();
    private static final Map<String, Set<String>> boughtOrRated = new HashMap<>();
    private static List<UserScores> scores;
    private static SnapshotCollector snapshots;
    private static List<ModelSnapshotChunk> chunks;

    @BeforeAll
    static void trainOnSyntheticEvents() throws Exception {
        kafka = EmbeddedKafka.start();
        topics = KafkaTestSupport.topics("train");
        KafkaTestSupport.createTopics(kafka, topics);
        SyntheticGenerator generator =
                new SyntheticGenerator(
                        SyntheticConfig.fromMap(Map.of("users", "200", "items", "100")), 5_000);
        try (KafkaProducer<byte[], byte[]> producer =
                KafkaTestSupport.producer(kafka.bootstrapServers())) {
            for (int i = 0; i < EVENTS; i++) {
                SyntheticEvent e = generator.next();
                lastEventTimes.merge(
                        e.interaction().userId(), e.interaction().eventTime(), Math::max);
                if (e.interaction().kind() == Interaction.Kind.PURCHASE
                        || e.interaction().kind() == Interaction.Kind.RATING) {
                    boughtOrRated
                            .computeIfAbsent(e.interaction().userId(), u -> new HashSet<>())
                            .add(e.interaction().itemId());
                }
                producer.send(KafkaTestSupport.eventRecord(topics, e.record()));
            }
        }

        KafkaTestSupport.trainBounded(
                kafka,
                topics,
                Map.of("batch.size", "256", "checkpoint.interval.ms", "1000", "scores.top.k", "5"),
                "training-it");

        String servers = kafka.bootstrapServers();
        scores =
                KafkaTestSupport.readAllValues(
                        servers, topics.name(TopicKind.SCORES), AvroSerde.of(UserScores.class));
        snapshots = new SnapshotCollector();
        chunks =
                KafkaTestSupport.readAllValues(
                        servers,
                        topics.name(TopicKind.SNAPSHOTS),
                        AvroSerde.of(ModelSnapshotChunk.class));
        chunks.forEach(snapshots::add);
    }

    /** Items {@code user} bought or rated in the input (fewer than scores.exclude.max each). */
    private static Set<String> recentlyBoughtOrRated(String user) {
        return boughtOrRated.getOrDefault(user, Set.of());
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    @Test
    void everyEventIsLearnedOnce() {
        assertThat(InProcessMetricsReporter.counter("eventsLearned")).isEqualTo(EVENTS);
        assertThat(InProcessMetricsReporter.counter("deadLetters")).isZero();
    }

    @Test
    void everyActiveUserGetsScoresWithTheirLastEventTime() {
        Map<String, UserScores> latest = new HashMap<>();
        scores.forEach(s -> latest.merge(s.getUserId(), s, (a, b) -> b));
        assertThat(latest.keySet()).isEqualTo(lastEventTimes.keySet());
        for (UserScores s : latest.values()) {
            assertThat(s.getItems()).hasSize(5);
            assertThat(s.getModelVersion()).isPositive();
            assertThat(s.getLastEventTime().toEpochMilli())
                    .isEqualTo(lastEventTimes.get(s.getUserId()));
        }
    }

    @Test
    void scoreItemsAreRankedByBlendedScore() {
        for (UserScores s : scores) {
            for (int i = 1; i < s.getItems().size(); i++) {
                assertThat(s.getItems().get(i).getScore())
                        .isLessThanOrEqualTo(s.getItems().get(i - 1).getScore());
            }
        }
    }

    @Test
    void newestSnapshotReproducesTheScoresOfItsVersion() {
        SnapshotCollector.Snapshot snapshot = snapshots.newest().orElseThrow();
        MultiTaskLearner reloaded = MultiTaskLearner.fromSnapshotBytes(snapshot.bytes());
        assertThat(reloaded.version()).isEqualTo(snapshot.version());
        List<UserScores> atVersion =
                scores.stream().filter(s -> s.getModelVersion() == snapshot.version()).toList();
        assertThat(atVersion).isNotEmpty();
        for (UserScores live : atVersion) {
            assertThat(live.getItems()).hasSize(5);
            // Item by item: a record leaves out what the user just bought or rated, which is the
            // job's per-user state, not the model's.
            for (ScoredItem item : live.getItems()) {
                ItemScore recomputed = reloaded.score(live.getUserId(), item.getItemId());
                assertThat(recomputed.score()).isCloseTo(item.getScore(), within(1e-5f));
                assertThat(recomputed.click()).isCloseTo(item.getClick(), within(1e-5f));
                assertThat(recomputed.purchase()).isCloseTo(item.getPurchase(), within(1e-5f));
            }
            // And the record is the best of what is left: nothing outside it ranks above it.
            float worstListed = live.getItems().get(live.getItems().size() - 1).getScore();
            List<String> listed = live.getItems().stream().map(ScoredItem::getItemId).toList();
            List<ItemScore> best = reloaded.topK(live.getUserId(), 5 + 100);
            for (ItemScore other : best) {
                if (!listed.contains(other.itemId()) && other.score() > worstListed + 1e-5f) {
                    assertThat(recentlyBoughtOrRated(live.getUserId()))
                            .as("%s outranks %s's record", other.itemId(), live.getUserId())
                            .contains(other.itemId());
                }
            }
        }
    }

    @Test
    void readCommittedConsumerSeesEachSnapshotVersionExactlyOnce() {
        Map<String, Long> copies =
                chunks.stream()
                        .collect(
                                java.util.stream.Collectors.groupingBy(
                                        c -> c.getVersion() + "/" + c.getPart(),
                                        java.util.stream.Collectors.counting()));
        assertThat(copies).isNotEmpty();
        assertThat(copies.values()).containsOnly(1L);
        assertThat(snapshots.completeVersions()).isEqualTo(copies.size());
    }

    @Test
    void snapshotCarriesTheJobsModelConfig() {
        MultiTaskLearner reloaded =
                MultiTaskLearner.fromSnapshotBytes(snapshots.newest().orElseThrow().bytes());
        assertThat(reloaded.config().toMap()).isEqualTo(ModelConfig.defaults().toMap());
        assertThat(reloaded.userCount()).isEqualTo(lastEventTimes.size());
    }
}
