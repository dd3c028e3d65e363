package io.mtrec.flink;

import io.mtrec.flink.config.JobConfig;
import io.mtrec.flink.kafka.EmbeddedKafka;
import io.mtrec.flink.metrics.InProcessMetricsReporter;
import io.mtrec.flink.train.LearnedLedger;
import io.mtrec.model.synthetic.SyntheticConfig;
import io.mtrec.model.synthetic.SyntheticEvent;
import io.mtrec.model.synthetic.SyntheticGenerator;
import io.mtrec.schemas.TopicKind;
import io.mtrec.schemas.TopicRegistry;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Parallel trainers on the planted-truth stream, on a real broker: the same events learned by 1, 2
 * and 4 trainers exchanging parameter deltas through the param-sync topic reach the same
 * progressive click and purchase AUC within 0.01, and every event is learned exactly once.
 *
 * <p>Each run is live (unbounded) over the same event topics, in event-time order, so the runs
 * differ only in how many trainers learn. Progressive metrics are per trainer, over its last {@code
 * metrics.window} predictions of its own users; K trainers get a window of W / K each, so that
 * together they cover the same last predictions as one trainer with W, and the job's figure is the
 * mean over the trainers.
 */
class ParallelTrainingIT {
    private static final int EVENTS = 300_000;
    private static final int WINDOW = 60_000;
    private static final Duration RUN_LIMIT = Duration.ofMinutes(4);

    private static EmbeddedKafka kafka;
    private static TopicRegistry events;
    private static final int BATCH = 512;
    private static LearnedLedger input;
    @TempDir static Path savepoints;
    private static final Map<Integer, Run> runs = new HashMap<>();

    /** What one run reached. */
    private record Run(
            double clickAuc,
            double purchaseAuc,
            LearnedLedger ledger,
            long deltasPublished,
            long deltasApplied,
            long deltasRejected,
            long lateEvents) {}

    @BeforeAll
    static void trainAtParallelism1And2And4() throws Exception {
        kafka = EmbeddedKafka.start();
        events = KafkaTestSupport.topics("parallel-events");
        KafkaTestSupport.createTopics(kafka, events);
        SyntheticGenerator generator =
                new SyntheticGenerator(SyntheticConfig.fromMap(Map.of()), WINDOW);
        List<String> ids = new ArrayList<>(EVENTS);
        try (KafkaProducer<byte[], byte[]> producer =
                KafkaTestSupport.producer(kafka.bootstrapServers())) {
            for (int i = 0; i < EVENTS; i++) {
                SyntheticEvent e = generator.next();
                ids.add(e.interaction().eventId());
                producer.send(KafkaTestSupport.eventRecord(events, e.record()));
            }
        }
        input = LearnedLedger.of(ids);
        for (int trainers : List.of(1, 2, 4)) {
            runs.put(trainers, train(trainers));
            System.out.printf("parallelism %d: %s%n", trainers, runs.get(trainers));
        }
    }

    /** Trains on every event with {@code trainers} trainers, then stops the live job. */
    private static Run train(int trainers) throws Exception {
        TopicRegistry outputs = KafkaTestSupport.topics("parallel-" + trainers);
        KafkaTestSupport.createTopics(kafka, outputs);
        Map<String, String> settings = new HashMap<>(KafkaTestSupport.topicSettings(outputs));
        for (TopicKind kind : List.of(TopicKind.CLICKS, TopicKind.PURCHASES, TopicKind.RATINGS)) {
            settings.put("topic." + kind.name().toLowerCase(), events.name(kind));
        }
        settings.put("bootstrap.servers", kafka.bootstrapServers());
        settings.put("group.id", "parallel-" + trainers);
        settings.put("trainer.parallelism", Integer.toString(trainers));
        settings.put("batch.size", Integer.toString(BATCH));
        settings.put("param.sync.batches", "1");
        settings.put("snapshot.interval.ms", "500");
        // Held events are operator state; the MiniCluster keeps checkpoints in JobManager memory
        // (5 MiB at most), which 300,000 held events outgrow: no checkpoint during these runs.
        settings.put("checkpoint.interval.ms", "3600000");
        settings.put("model.metrics.window", Integer.toString(WINDOW / trainers));
        // Purchases come within a minute of their click (purchase-delay-max-ms): a two-minute
        // window resolves held clicks inside this stream's 50 minutes of event time.
        settings.put("model.conversion.window.ms", "120000");
        // Event-time order makes every run learn the same batches whatever the partitions'
        // interleaving (30 s of event time is 3,000 events: more than the reader's skew between
        // partitions, so nothing is late); the drain at the end releases what is held.
        settings.put("ordering", "event-time");
        settings.put("watermark.out.of.orderness.ms", "30000");
        JobConfig config = JobConfig.fromMap(settings);
        StreamExecutionEnvironment env = KafkaTestSupport.miniCluster(trainers);
        TrainingJob.build(env, config, new KafkaJobIO(config));
        String job = "parallel-" + trainers;
        // Everything read and learned while the deltas flowed (only partial batches wait), the
        // live job is stopped draining: the trainers learn what the watermark still holds and
        // their partial batches, and publish a final snapshot.
        KafkaTestSupport.runLiveUntilRead(
                env, job, EVENTS, (long) trainers * BATCH, savepoints, RUN_LIMIT);
        return new Run(
                mean(InProcessMetricsReporter.gauges(job, "clickAuc")),
                mean(InProcessMetricsReporter.gauges(job, "purchaseAuc")),
                new LearnedLedger(
                        InProcessMetricsReporter.gaugeSum(job, "learnedEvents"),
                        InProcessMetricsReporter.gaugeSum(job, "learnedEventDigest")),
                InProcessMetricsReporter.counter(job, "paramDeltasPublished"),
                InProcessMetricsReporter.counter(job, "paramDeltasApplied"),
                InProcessMetricsReporter.counter(job, "paramDeltasRejected"),
                InProcessMetricsReporter.gaugeSum(job, "lateEvents"));
    }

    private static double mean(List<Double> values) {
        return values.stream().mapToDouble(d -> d).average().orElse(Double.NaN);
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    @Test
    void everyEventIsLearnedExactlyOnceAtEveryParallelism() {
        for (Run run : runs.values()) {
            assertThat(run.ledger()).isEqualTo(input);
            assertThat(run.lateEvents()).isZero();
        }
    }

    @Test
    void parallelTrainersExchangeAndApplyEachOthersDeltas() {
        assertThat(runs.get(1).deltasPublished()).isZero();
        for (int trainers : List.of(2, 4)) {
            Run run = runs.get(trainers);
            assertThat(run.deltasPublished()).isPositive();
            assertThat(run.deltasApplied()).isPositive();
            assertThat(run.deltasRejected()).isZero();
        }
    }

    @Test
    void twoAndFourTrainersReachTheClickAndPurchaseAucOfOne() {
        Run one = runs.get(1);
        for (int trainers : List.of(2, 4)) {
            Run run = runs.get(trainers);
            assertThat(run.clickAuc())
                    .as("click AUC, %d trainers", trainers)
                    .isCloseTo(one.clickAuc(), within(0.01));
            assertThat(run.purchaseAuc())
                    .as("purchase AUC, %d trainers", trainers)
                    .isCloseTo(one.purchaseAuc(), within(0.01));
        }
    }
}
