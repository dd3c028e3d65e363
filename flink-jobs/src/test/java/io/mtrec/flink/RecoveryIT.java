package io.mtrec.flink;

import io.mtrec.flink.cli.SnapshotCollector;
import io.mtrec.flink.config.JobConfig;
import io.mtrec.flink.kafka.EmbeddedKafka;
import io.mtrec.flink.kafka.TopicSpec;
import io.mtrec.flink.metrics.InProcessMetricsReporter;
import io.mtrec.flink.sinks.OutboundRecord;
import io.mtrec.flink.sources.RawRecord;
import io.mtrec.flink.train.LearnedLedger;
import io.mtrec.model.MultiTaskLearner;
import io.mtrec.model.metrics.MetricsSnapshot;
import io.mtrec.model.synthetic.SyntheticConfig;
import io.mtrec.model.synthetic.SyntheticEvent;
import io.mtrec.model.synthetic.SyntheticGenerator;
import io.mtrec.schemas.ClickEvent;
import io.mtrec.schemas.ModelSnapshotChunk;
import io.mtrec.schemas.TopicKind;
import io.mtrec.schemas.TopicRegistry;
import io.mtrec.schemas.serde.AvroSerde;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Recovery on a real Kafka broker and a Flink MiniCluster at parallelism 1: a job whose event
 * stream fails twice mid-stream, each time after a checkpoint that covers part of the input,
 * restarts from that checkpoint and ends with the model a failure-free run would have built.
 *
 * <p>Two inputs. The event-time runs read impressions and clicks only, from one single-partition
 * topic written in event-time order, so events reach the trainer in event-time order and a short
 * watermark out-of-orderness lets the trainer learn while the stream runs: the checkpoints the job
 * restarts from hold a trained model, not just held events. (With purchases and ratings in their
 * own topics the source reads one partition after another, so only an out-of-orderness as long as
 * the whole input would keep every event on time, and the trainer would learn nothing before the
 * end of input.) The arrival-order runs read all three event kinds from two-partition topics.
 *
 * <p>Two trainers run the arrival-order input live (a bounded run cannot have parallel trainers),
 * exchanging parameter deltas, and are stopped by draining once every event is read.
 */
class RecoveryIT {
    private static final int EVENTS = 4_000;

    /** Records the first attempt passes before failing, then the second attempt. */
    private static final long[] FAIL_AFTER = {1_200, 1_000};

    private static EmbeddedKafka kafka;
    private static Outcome eventTimeClean;
    private static Outcome eventTimeFailing;
    private static Outcome arrivalClean;
    private static Outcome arrivalFailing;
    private static Outcome parallelClean;
    private static Outcome parallelFailing;

    @TempDir static Path savepoints;
    private static LearnedLedger orderedInput;
    private static LearnedLedger mixedInput;

    @BeforeAll
    static void runFailureFreeAndFailingJobs() throws Exception {
        kafka = EmbeddedKafka.start();
        TopicRegistry ordered = KafkaTestSupport.topics("ordered");
        kafka.createTopics(eventTopics(ordered, 1));
        orderedInput = produce(ordered, true);
        TopicRegistry mixed = KafkaTestSupport.topics("mixed");
        kafka.createTopics(eventTopics(mixed, 2));
        mixedInput = produce(mixed, false);

        Map<String, String> eventTime =
                Map.of(
                        "ordering", "event-time",
                        // Events arrive in event-time order, so none can be late; 1 s is margin.
                        "watermark.out.of.orderness.ms", "1000",
                        // Only the final model is published: the one the test compares.
                        "snapshot.interval.ms", "3600000");
        eventTimeClean = run("et-clean", ordered, eventTime, null);
        eventTimeFailing = run("et-failing", ordered, eventTime, FAIL_AFTER);

        Map<String, String> arrival =
                Map.of(
                        "ordering", "arrival",
                        // Batches close by size only, so arrival order is the runs' one difference.
                        "batch.timeout.ms", "60000",
                        "snapshot.interval.ms", "1");
        arrivalClean = run("arr-clean", mixed, arrival, null);
        arrivalFailing = run("arr-failing", mixed, arrival, FAIL_AFTER);
        parallelClean = run("par-clean", mixed, arrival, null, 2);
        parallelFailing = run("par-failing", mixed, arrival, FAIL_AFTER, 2);
        for (Outcome o : List.of(arrivalClean, arrivalFailing, parallelClean, parallelFailing)) {
            System.out.printf(
                    "%s: click AUC %.4f, purchase AUC %.4f, rating RMSE %.4f (mean over %d"
                            + " trainers)%n",
                    o.name,
                    mean(o.shardMetrics(), MetricsSnapshot::clickAuc),
                    mean(o.shardMetrics(), MetricsSnapshot::purchaseAuc),
                    mean(o.shardMetrics(), MetricsSnapshot::ratingRmse),
                    o.finalShards.size());
        }
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    @Test
    void eachFailingRunFailsTwiceAndResumesFromACheckpoint() {
        for (Outcome failing : List.of(eventTimeFailing, arrivalFailing)) {
            assertThat(failing.failuresThrown).as(failing.name).isEqualTo(2);
            // Each failure came after a checkpoint taken at FAIL_AFTER records or later had
            // completed, so each restart skips those records; a restart from the beginning would
            // read all of them again.
            assertThat(failing.recordsPerAttempt[0])
                    .as(failing.name)
                    .isGreaterThanOrEqualTo(FAIL_AFTER[0]);
            assertThat(failing.recordsPerAttempt[2])
                    .as(failing.name)
                    .isLessThanOrEqualTo(EVENTS - FAIL_AFTER[0] - FAIL_AFTER[1]);
        }
        // The eventsLearned counter starts from 0 in each attempt: the last one learned only part
        // of the input, the restored model held the rest. Only in arrival order: in event-time
        // order the restored checkpoint may hold every event read so far still waiting for the
        // watermark (a fast run reads them all within one watermark interval), and the last
        // attempt then learns all of them; that every event is learned once is checked by the
        // ledgers, in both orders.
        assertThat(arrivalFailing.learnedInLastAttempt).as(arrivalFailing.name).isLessThan(EVENTS);
        for (Outcome clean : List.of(eventTimeClean, arrivalClean)) {
            assertThat(clean.failuresThrown).as(clean.name).isZero();
            assertThat(clean.learnedInLastAttempt).as(clean.name).isEqualTo(EVENTS);
        }
    }

    @Test
    void everyEventIsLearnedExactlyOnceDespiteTwoFailures() {
        assertThat(eventTimeFailing.ledger).isEqualTo(orderedInput);
        assertThat(arrivalFailing.ledger).isEqualTo(mixedInput);
        assertThat(eventTimeClean.ledger).isEqualTo(orderedInput);
        assertThat(arrivalClean.ledger).isEqualTo(mixedInput);
    }

    @Test
    void eventTimeRunsSeeNoLateEvents() {
        assertThat(eventTimeClean.lateEvents).isZero();
        assertThat(eventTimeFailing.lateEvents).isZero();
    }

    @Test
    void eventTimeModelAfterFailuresIsBitIdenticalToFailureFreeModel() {
        // The snapshot bytes hold the config, every parameter and optimizer slot, the pending
        // clicks, the sampler's generator state and the progressive metrics, so equal bytes mean
        // an equal model. The one wall-clock field, createdAt, is in the chunk records, not here.
        assertThat(eventTimeClean.finalSnapshot.version())
                .isEqualTo(eventTimeFailing.finalSnapshot.version());
        assertThat(eventTimeFailing.finalSnapshot.bytes())
                .isEqualTo(eventTimeClean.finalSnapshot.bytes());
        MultiTaskLearner model =
                MultiTaskLearner.fromSnapshotBytes(eventTimeFailing.finalSnapshot.bytes());
        assertThat(model.eventsLearned()).isEqualTo(EVENTS);
    }

    @Test
    void arrivalOrderMetricsAfterFailuresMatchFailureFreeRunWithinTolerance() {
        MetricsSnapshot clean = arrivalClean.finalMetrics();
        MetricsSnapshot failing = arrivalFailing.finalMetrics();
        assertThat(failing.clickCount()).isEqualTo(clean.clickCount());
        assertThat(failing.purchaseCount()).isEqualTo(clean.purchaseCount());
        assertThat(failing.ratingCount()).isEqualTo(clean.ratingCount());
        assertThat(failing.clickAuc()).isCloseTo(clean.clickAuc(), within(CLICK_AUC_TOLERANCE));
        assertThat(failing.purchaseAuc())
                .isCloseTo(clean.purchaseAuc(), within(PURCHASE_AUC_TOLERANCE));
        assertThat(failing.ratingRmse())
                .isCloseTo(clean.ratingRmse(), within(RATING_RMSE_TOLERANCE * clean.ratingRmse()));
    }

    /*
     * In arrival order both runs learn the same events in batches of the same size, but in the
     * order the Kafka reader delivered them, and a restart may resume the six partitions in another
     * interleaving. The tolerances are about twice the spread of the final progressive metrics
     * when these 4,000 events are learned with MultiTaskLearner directly (same model settings,
     * batches of 64, event clock 5 s behind the newest event) in 16 interleavings of the six
     * partitions (whole partitions one after another, or chunks of up to 50 or 500 records):
     * click AUC 0.567 to 0.582, rating RMSE 0.883 to 0.948 (7 % apart). Purchase AUC ranged from
     * 0.64 to 0.93, as it depends on whether a click is learned before or after its purchase
     * arrives: only a gross loss shows in it. The whole-partitions order reproduced the job's
     * figures exactly, and so far the failing runs have matched the failure-free ones exactly, as
     * the reader resumed the partitions in the same order after each restart.
     */
    private static final double CLICK_AUC_TOLERANCE = 0.03;
    private static final double PURCHASE_AUC_TOLERANCE = 0.3;
    private static final double RATING_RMSE_TOLERANCE = 0.1;

    @Test
    void twoTrainersLearnEveryEventExactlyOnceDespiteTwoFailures() {
        assertThat(parallelFailing.failuresThrown).isEqualTo(2);
        assertThat(parallelFailing.recordsPerAttempt[2])
                .isLessThanOrEqualTo(EVENTS - FAIL_AFTER[0] - FAIL_AFTER[1]);
        assertThat(parallelClean.ledger).isEqualTo(mixedInput);
        assertThat(parallelFailing.ledger).isEqualTo(mixedInput);
        assertThat(parallelFailing.finalShards).hasSize(2);
    }

    /*
     * Two trainers in arrival order: besides the interleaving of partitions, the timing of the
     * deltas between the trainers differs from run to run, and after a restore a trainer keeps the
     * deltas of the failed attempt it had applied (at-least-once sync). The same tolerances as one
     * trainer's hold; the figures are the mean over the two trainers' final snapshots.
     */
    @Test
    void twoTrainersMetricsAfterFailuresMatchFailureFreeRunWithinTolerance() {
        List<MetricsSnapshot> clean = parallelClean.shardMetrics();
        List<MetricsSnapshot> failing = parallelFailing.shardMetrics();
        assertThat(mean(failing, MetricsSnapshot::clickAuc))
                .isCloseTo(mean(clean, MetricsSnapshot::clickAuc), within(CLICK_AUC_TOLERANCE));
        // Purchase AUC is not compared here: with two trainers each shard's figure rests on a few
        // dozen purchase labels, and whether a click is learned before or after its purchase
        // arrives depends on how a restart resumes the six partitions. Failure-free runs gave
        // 0.17 to 0.21 and failing runs 0.20 or 0.63 on the same input, with every event learned
        // exactly once in all of them (twoTrainersLearnEveryEventExactlyOnceDespiteTwoFailures).
        double cleanRmse = mean(clean, MetricsSnapshot::ratingRmse);
        assertThat(mean(failing, MetricsSnapshot::ratingRmse))
                .isCloseTo(cleanRmse, within(RATING_RMSE_TOLERANCE * cleanRmse));
    }

    private static double mean(
            List<MetricsSnapshot> shards,
            java.util.function.ToDoubleFunction<MetricsSnapshot> figure) {
        return shards.stream().mapToDouble(figure).average().orElse(Double.NaN);
    }

    @Test
    void eventTimeSnapshotIsPublishedOnceDespiteFailures() {
        assertThat(eventTimeFailing.chunks)
                .extracting(c -> c.getVersion() + "/" + c.getPart())
                .containsExactly(eventTimeFailing.finalSnapshot.version() + "/0");
    }

    @Test
    void everyCommittedSnapshotIsCompleteAndTheNewestIsTheFinalModel() {
        long versions = arrivalFailing.chunks.stream().map(c -> c.getVersion()).distinct().count();
        // Snapshots were published before, between and after the failures.
        assertThat(versions).isGreaterThan(10);
        Map<Long, Set<Integer>> partsByVersion =
                arrivalFailing.chunks.stream()
                        .collect(
                                Collectors.groupingBy(
                                        ModelSnapshotChunk::getVersion,
                                        Collectors.mapping(
                                                ModelSnapshotChunk::getPart, Collectors.toSet())));
        for (ModelSnapshotChunk chunk : arrivalFailing.chunks) {
            assertThat(partsByVersion.get(chunk.getVersion()))
                    .as("parts of version %s", chunk.getVersion())
                    .hasSize(chunk.getParts());
        }
        assertThat(MultiTaskLearner.fromSnapshotBytes(arrivalFailing.finalSnapshot.bytes()))
                .extracting(MultiTaskLearner::eventsLearned)
                .isEqualTo((long) EVENTS);
    }

    @Test
    void readCommittedConsumerSeesEachSnapshotPartOnce() {
        Map<String, Long> copies =
                arrivalFailing.chunks.stream()
                        .collect(
                                Collectors.groupingBy(
                                        c -> c.getVersion() + "/" + c.getPart(),
                                        Collectors.counting()));
        assertThat(copies).isNotEmpty();
        assertThat(copies).allSatisfy((key, n) -> assertThat(n).as(key).isEqualTo(1L));
    }

    /** What a run left behind: its metrics, the failures it went through, its snapshots. */
    private record Outcome(
            String name,
            LearnedLedger ledger,
            long learnedInLastAttempt,
            long lateEvents,
            int failuresThrown,
            long[] recordsPerAttempt,
            List<ModelSnapshotChunk> chunks,
            SnapshotCollector.Snapshot finalSnapshot,
            List<SnapshotCollector.Snapshot> finalShards) {
        MetricsSnapshot finalMetrics() {
            return MultiTaskLearner.fromSnapshotBytes(finalSnapshot.bytes()).metrics();
        }

        /** Progressive figures of each trainer's final snapshot. */
        List<MetricsSnapshot> shardMetrics() {
            return finalShards.stream()
                    .map(s -> MultiTaskLearner.fromSnapshotBytes(s.bytes()).metrics())
                    .toList();
        }
    }

    /**
     * Runs the bounded job over the event topics of {@code input} with its own output topics; with
     * {@code failAfter}, the event stream fails in the attempts it lists.
     */
    private static Outcome run(
            String name, TopicRegistry input, Map<String, String> settings, long[] failAfter)
            throws Exception {
        return run(name, input, settings, failAfter, 1);
    }

    /**
     * Runs the job over {@code input} with {@code trainers} trainers, failing after {@code
     * failAfter} records unless null. One trainer runs bounded; several run live (a bounded run
     * cannot have parallel trainers) and are stopped by draining once every event is read.
     */
    private static Outcome run(
            String name,
            TopicRegistry input,
            Map<String, String> settings,
            long[] failAfter,
            int trainers)
            throws Exception {
        TopicRegistry output = KafkaTestSupport.topics(name);
        KafkaTestSupport.createTopics(kafka, output);
        Map<String, String> all = new HashMap<>(KafkaTestSupport.topicSettings(output));
        for (TopicKind kind : List.of(TopicKind.CLICKS, TopicKind.PURCHASES, TopicKind.RATINGS)) {
            all.put("topic." + kind.name().toLowerCase(), input.name(kind));
        }
        all.put("bootstrap.servers", kafka.bootstrapServers());
        all.put("group.id", name);
        all.put("bounded", Boolean.toString(trainers == 1));
        all.put("trainer.parallelism", Integer.toString(trainers));
        all.put("param.sync.batches", "1");
        all.put("batch.size", "64");
        all.put("checkpoint.interval.ms", "300");
        all.put("snapshots.delivery.guarantee", "exactly-once");
        // Every snapshot passes the gate, so the newest one is the final model.
        all.put("snapshot.gate.tolerance", "1");
        all.put("model.embedding.dim", "8");
        all.put("model.bottom.hidden", "8");
        all.putAll(settings);
        JobConfig config = JobConfig.fromMap(all);

        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
        StreamExecutionEnvironment env = KafkaTestSupport.miniCluster(trainers, conf);
        FailingEvents.reset();
        JobIO kafkaIO = new KafkaJobIO(config);
        TrainingJob.build(
                env, config, failAfter == null ? kafkaIO : new FailingJobIO(kafkaIO, failAfter));
        if (trainers == 1) {
            env.execute(name);
        } else {
            KafkaTestSupport.runLiveUntilRead(
                    env, name, EVENTS, Long.MAX_VALUE, savepoints, Duration.ofMinutes(3));
        }

        long[] perAttempt = new long[FailingEvents.RECORDS.length()];
        for (int i = 0; i < perAttempt.length; i++) {
            perAttempt[i] = FailingEvents.RECORDS.get(i);
        }
        List<ModelSnapshotChunk> chunks =
                KafkaTestSupport.readAllValues(
                        kafka.bootstrapServers(),
                        output.name(TopicKind.SNAPSHOTS),
                        AvroSerde.of(ModelSnapshotChunk.class));
        // One collector per model id: parallel trainers publish one shard each.
        Map<String, SnapshotCollector> shards = new TreeMap<>();
        for (ModelSnapshotChunk chunk : chunks) {
            shards.computeIfAbsent(chunk.getModelId(), id -> new SnapshotCollector()).add(chunk);
        }
        List<SnapshotCollector.Snapshot> finals = new ArrayList<>();
        for (SnapshotCollector shard : shards.values()) {
            finals.add(shard.newest().orElseThrow());
        }
        return new Outcome(
                name,
                new LearnedLedger(
                        InProcessMetricsReporter.gaugeSum(name, "learnedEvents"),
                        InProcessMetricsReporter.gaugeSum(name, "learnedEventDigest")),
                InProcessMetricsReporter.counter(name, "eventsLearned"),
                InProcessMetricsReporter.gaugeSum(name, "lateEvents"),
                FailingEvents.THROWN.get(),
                perAttempt,
                chunks,
                finals.get(0),
                finals);
    }

    private static List<TopicSpec> eventTopics(TopicRegistry topics, int partitions) {
        List<TopicSpec> specs = new ArrayList<>();
        for (TopicKind kind : List.of(TopicKind.CLICKS, TopicKind.PURCHASES, TopicKind.RATINGS)) {
            specs.add(new TopicSpec(topics.name(kind), partitions, false));
        }
        return specs;
    }

    /**
     * Writes {@value #EVENTS} synthetic events (impressions and clicks only if {@code clicksOnly})
     * in event-time order and returns the ledger of their ids.
     */
    private static LearnedLedger produce(TopicRegistry topics, boolean clicksOnly) {
        SyntheticGenerator generator =
                new SyntheticGenerator(
                        SyntheticConfig.fromMap(Map.of("users", "200", "items", "100")), 5_000);
        List<String> ids = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer =
                KafkaTestSupport.producer(kafka.bootstrapServers())) {
            while (ids.size() < EVENTS) {
                SyntheticEvent e = generator.next();
                if (clicksOnly && !(e.record() instanceof ClickEvent)) {
                    continue;
                }
                producer.send(KafkaTestSupport.eventRecord(topics, e.record()));
                ids.add(e.interaction().eventId());
            }
        }
        return LearnedLedger.of(ids);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The Kafka wiring with {@link FailingEvents} after the event source. */
    private static final class FailingJobIO implements JobIO {
        private final JobIO delegate;
        private final long[] failAfter;

        FailingJobIO(JobIO delegate, long[] failAfter) {
            this.delegate = delegate;
            this.failAfter = failAfter;
        }

        @Override
        public DataStream<RawRecord> events(StreamExecutionEnvironment env) {
            return delegate.events(env)
                    .map(new FailingEvents(failAfter))
                    .setParallelism(1)
                    .name("inject-failures")
                    .uid("inject-failures");
        }

        @Override
        public DataStream<RawRecord> items(StreamExecutionEnvironment env) {
            return delegate.items(env);
        }

        @Override
        public DataStream<RawRecord> paramSync(StreamExecutionEnvironment env) {
            return delegate.paramSync(env);
        }

        @Override
        public Sink<OutboundRecord> paramSyncSink() {
            return delegate.paramSyncSink();
        }

        @Override
        public Sink<OutboundRecord> scores() {
            return delegate.scores();
        }

        @Override
        public Sink<OutboundRecord> snapshots() {
            return delegate.snapshots();
        }

        @Override
        public Sink<OutboundRecord> deadLetters() {
            return delegate.deadLetters();
        }
    }

    /**
     * Passes records through; in attempt {@code a < failAfter.length} it throws once it has passed
     * {@code failAfter[a]} records and a checkpoint taken at that point or later has completed, so
     * the restart resumes from a checkpoint with real progress. Until that checkpoint completes it
     * slows the stream down, so the input cannot run out first.
     */
    private static final class FailingEvents extends RichMapFunction<RawRecord, RawRecord>
            implements CheckpointedFunction, CheckpointListener {
        /** Failures thrown in this JVM since {@link #reset}; the MiniCluster runs in-process. */
        static final AtomicInteger THROWN = new AtomicInteger();

        /** Records passed per attempt number since {@link #reset}. */
        static final AtomicLongArray RECORDS = new AtomicLongArray(3);

        private final long[] failAfter;
        private transient int attempt;
        private transient long passed;
        private transient Map<Long, Long> passedAtCheckpoint;
        private transient long passedAtCompletedCheckpoint;

        FailingEvents(long[] failAfter) {
            this.failAfter = failAfter;
        }

        static void reset() {
            THROWN.set(0);
            for (int i = 0; i < RECORDS.length(); i++) {
                RECORDS.set(i, 0);
            }
        }

        @Override
        public void open(OpenContext context) {
            attempt = getRuntimeContext().getTaskInfo().getAttemptNumber();
        }

        @Override
        public void initializeState(FunctionInitializationContext context) {
            passedAtCheckpoint = new HashMap<>();
        }

        @Override
        public RawRecord map(RawRecord record) throws Exception {
            passed++;
            RECORDS.incrementAndGet(Math.min(attempt, RECORDS.length() - 1));
            if (attempt < failAfter.length && passed >= failAfter[attempt]) {
                if (passedAtCompletedCheckpoint >= failAfter[attempt]) {
                    THROWN.incrementAndGet();
                    throw new IllegalStateException(
                            "injected failure in attempt " + attempt + " after " + passed);
                }
                Thread.sleep(2);
            }
            return record;
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) {
            passedAtCheckpoint.put(context.getCheckpointId(), passed);
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            Long at = passedAtCheckpoint.remove(checkpointId);
            if (at != null) {
                passedAtCompletedCheckpoint = Math.max(passedAtCompletedCheckpoint, at);
            }
        }
    }
}
