package io.mtrec.flink.cli;

import io.mtrec.flink.KafkaJobIO;
import io.mtrec.flink.TrainingJob;
import io.mtrec.flink.config.JobConfig;
import io.mtrec.flink.kafka.EmbeddedKafka;
import io.mtrec.flink.metrics.InProcessMetricsReporter;
import io.mtrec.model.ItemScore;
import io.mtrec.model.MultiTaskLearner;
import io.mtrec.model.metrics.MetricsSnapshot;
import io.mtrec.model.synthetic.SyntheticConfig;
import io.mtrec.model.synthetic.SyntheticGenerator;
import io.mtrec.schemas.ModelSnapshotChunk;
import io.mtrec.schemas.ScoredItem;
import io.mtrec.schemas.TopicKind;
import io.mtrec.schemas.TopicRegistry;
import io.mtrec.schemas.UserScores;
import io.mtrec.schemas.serde.AvroSerde;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./mtrec demo}: a real Kafka broker in-process, the training job on a local Flink
 * MiniCluster, synthetic events with planted truth, live metrics, and a JSON summary at the end.
 */
public final class DemoCommand {
    private static final Duration CATCH_UP = Duration.ofSeconds(90);

    private final PrintStream out;

    public DemoCommand(PrintStream out) {
        this.out = out;
    }

    /** The demo's figures, written as the summary JSON with these keys. */
    public record Summary(Map<String, Object> values) {}

    public Summary run(Args args) throws Exception {
        Duration duration = args.takeDuration("duration", Duration.ofSeconds(60));
        String summaryFile = args.take("summary", null);
        int rate = args.takeInt("rate", 6000);
        int corruptEvery = args.takeInt("corrupt.every", 5000);
        Duration printEvery = args.takeDuration("print.every", Duration.ofSeconds(5));
        Map<String, String> synth = new HashMap<>();
        for (String key : List.copyOf(args.remaining().keySet())) {
            if (key.startsWith("synthetic.")) {
                synth.put(
                        key.substring("synthetic.".length()).replace('.', '-'),
                        args.take(key, null));
            }
        }
        SyntheticConfig syntheticConfig = SyntheticConfig.fromMap(synth);

        Map<String, String> defaults = new LinkedHashMap<>();
        // Validated before anything starts; the broker's address replaces this one below.
        defaults.put("bootstrap.servers", "127.0.0.1:9092");
        defaults.put("checkpoint.interval.ms", "5000");
        defaults.put("snapshot.interval.ms", "5000");
        defaults.put("scores.flush.interval.ms", "1000");
        defaults.put("watermark.out.of.orderness.ms", "1000");
        // The generator's purchases follow their click within a minute of event time.
        defaults.put("model.conversion.window.ms", "120000");
        JobConfig requested = args.jobConfig(defaults);
        if (rate < 1) {
            throw new IllegalArgumentException("--rate must be at least 1 event/s, got " + rate);
        }

        out.println("mtrec demo: starting a Kafka broker (KRaft, in-process) ...");
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
                LocalCheckpoints checkpoints = LocalCheckpoints.create()) {
            JobConfig config =
                    requested.with(Map.of("bootstrap.servers", kafka.bootstrapServers()));
            TopicRegistry topics = config.topics();
            CliSupport.createTopics(kafka, topics);
            out.println("  broker at " + kafka.bootstrapServers());
            return runWithBroker(
                    config,
                    checkpoints,
                    topics,
                    syntheticConfig,
                    duration,
                    rate,
                    corruptEvery,
                    printEvery,
                    summaryFile);
        }
    }

    private Summary runWithBroker(
            JobConfig config,
            LocalCheckpoints checkpoints,
            TopicRegistry topics,
            SyntheticConfig syntheticConfig,
            Duration duration,
            int rate,
            int corruptEvery,
            Duration printEvery,
            String summaryFile)
            throws Exception {
        String servers = config.get(JobConfig.BOOTSTRAP_SERVERS);
        InProcessMetricsReporter.reset();

        Map<String, UserScores> latestScores = new ConcurrentHashMap<>();
        Map<Long, Map<String, UserScores>> scoresByVersion = new ConcurrentHashMap<>();
        SnapshotCollector snapshots = new SnapshotCollector();
        TopicFollower<UserScores> scoreFollower =
                TopicFollower.of(
                        servers,
                        topics.name(TopicKind.SCORES),
                        AvroSerde.of(UserScores.class),
                        true,
                        s -> {
                            latestScores.put(s.getUserId(), s);
                            scoresByVersion
                                    .computeIfAbsent(
                                            s.getModelVersion(), v -> new ConcurrentHashMap<>())
                                    .put(s.getUserId(), s);
                        });
        TopicFollower<ModelSnapshotChunk> snapshotFollower =
                TopicFollower.of(
                        servers,
                        topics.name(TopicKind.SNAPSHOTS),
                        AvroSerde.of(ModelSnapshotChunk.class),
                        true,
                        snapshots::add);
        Thread scoreThread = CliSupport.daemon("scores-follower", scoreFollower);
        Thread snapshotThread = CliSupport.daemon("snapshots-follower", snapshotFollower);

        Configuration flinkConf = checkpoints.configure(new Configuration());
        InProcessMetricsReporter.configure(flinkConf);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(1, flinkConf);
        TrainingJob.build(env, config, new KafkaJobIO(config));
        out.println("  starting the training job on a local Flink MiniCluster ...");
        JobClient job = env.executeAsync("mtrec-demo");

        SyntheticGenerator generator =
                new SyntheticGenerator(syntheticConfig, config.model().metricsWindow());
        EventProducer producer =
                new EventProducer(generator, servers, topics, rate, 0, corruptEvery);
        Thread producerThread = CliSupport.daemon("event-producer", producer);
        out.printf(
                Locale.ROOT,
                "  streaming synthetic events at %,d/s for %ds (%d users, %d items)%n%n",
                rate,
                duration.toSeconds(),
                syntheticConfig.users(),
                syntheticConfig.items());

        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long lastEvents = 0;
        long lastPrint = start;
        while (System.nanoTime() < end) {
            long next = Math.min(end, lastPrint + printEvery.toNanos());
            TimeUnit.NANOSECONDS.sleep(Math.max(0, next - System.nanoTime()));
            long now = System.nanoTime();
            long events = InProcessMetricsReporter.counter("eventsLearned");
            double rateNow = (events - lastEvents) / ((now - lastPrint) / 1e9);
            printStatus((now - start) / 1e9, events, rateNow, producer, latestScores);
            lastEvents = events;
            lastPrint = now;
        }

        producer.stop();
        producerThread.join();
        producer.close();
        long produced = producer.produced();
        out.printf(
                Locale.ROOT,
                "%nproduced %,d events; waiting for the job to learn them ...%n",
                produced);
        InProcessMetricsReporter.waitFor(
                () -> InProcessMetricsReporter.counter("eventsLearned") >= produced, CATCH_UP);
        long trainSeconds = Math.max(1, (System.nanoTime() - start) / 1_000_000_000L);
        long events = InProcessMetricsReporter.counter("eventsLearned");
        // The trainer decides on the newest version (published, or held back by the quality
        // gate), then the newest published one reaches the follower.
        InProcessMetricsReporter.waitFor(
                () ->
                        CliSupport.gauge("lastSnapshotDecidedVersion")
                                >= CliSupport.gauge("modelVersion"),
                CATCH_UP);
        InProcessMetricsReporter.waitFor(
                () ->
                        snapshots.newest().map(s -> s.version()).orElse(-1L)
                                >= (long) CliSupport.gauge("lastPublishedVersion"),
                CATCH_UP);
        scoreFollower.stop();
        snapshotFollower.stop();
        scoreThread.join();
        snapshotThread.join();
        scoreFollower.drain();
        snapshotFollower.drain();

        Summary summary =
                summarize(
                        events,
                        trainSeconds,
                        producer,
                        latestScores,
                        scoresByVersion,
                        snapshots,
                        config.get(JobConfig.SCORES_TOP_K));
        CliSupport.cancelAndWait(job);
        scoreFollower.close();
        snapshotFollower.close();

        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        out.println();
        out.println(json.writeValueAsString(summary.values()));
        if (summaryFile != null) {
            json.writeValue(Path.of(summaryFile).toFile(), summary.values());
            out.println("summary written to " + summaryFile);
        }
        return summary;
    }

    private Summary summarize(
            long events,
            long seconds,
            EventProducer producer,
            Map<String, UserScores> latestScores,
            Map<Long, Map<String, UserScores>> scoresByVersion,
            SnapshotCollector snapshots,
            int topK) {
        MetricsSnapshot bayes = producer.bayes();
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("events", events);
        v.put("events_per_sec", Math.round(events / (double) seconds));
        v.put("click_auc", round(CliSupport.gauge("clickAuc")));
        v.put("click_auc_bayes", round(bayes.clickAuc()));
        v.put("purchase_auc", round(CliSupport.gauge("purchaseAuc")));
        v.put("purchase_auc_bayes", round(bayes.purchaseAuc()));
        v.put("rating_rmse", round(CliSupport.gauge("ratingRmse")));
        v.put("rating_rmse_bayes", round(bayes.ratingRmse()));
        v.put("users_active", producer.usersSeen());
        v.put("users_scored", latestScores.size());
        v.put("snapshots_published", InProcessMetricsReporter.counter("snapshotsPublished"));
        v.put("snapshots_held_back", InProcessMetricsReporter.counter("snapshotsHeldBack"));
        v.put("snapshot_version", snapshots.newest().map(s -> s.version()).orElse(-1L));
        v.put("snapshot_reload_max_abs_diff", reloadDiff(snapshots, scoresByVersion, topK));
        v.put("dead_letters", InProcessMetricsReporter.counter("deadLetters"));
        v.put("corrupt_records_sent", producer.corrupt());
        v.put("model_version", (long) CliSupport.gauge("modelVersion"));
        return new Summary(v);
    }

    /**
     * Max |score from the live job − score recomputed from the newest snapshot| over up to 200
     * users whose score record carries the snapshot's version; NaN if there are none.
     */
    static double reloadDiff(
            SnapshotCollector snapshots,
            Map<Long, Map<String, UserScores>> scoresByVersion,
            int topK) {
        Optional<SnapshotCollector.Snapshot> newest = snapshots.newest();
        if (newest.isEmpty()) {
            return Double.NaN;
        }
        Map<String, UserScores> atVersion = scoresByVersion.get(newest.get().version());
        if (atVersion == null || atVersion.isEmpty()) {
            return Double.NaN;
        }
        MultiTaskLearner reloaded = MultiTaskLearner.fromSnapshotBytes(newest.get().bytes());
        double max = 0;
        int checked = 0;
        for (UserScores live : atVersion.values()) {
            if (checked++ == 200) {
                break;
            }
            // Per item: the record may leave out items the user just bought or rated, which the
            // snapshot (a model, not the job's per-user state) does not know.
            for (ScoredItem a : live.getItems()) {
                ItemScore b = reloaded.score(live.getUserId(), a.getItemId());
                max = Math.max(max, Math.abs(a.getClick() - b.click()));
                max = Math.max(max, Math.abs(a.getPurchase() - b.purchase()));
                max = Math.max(max, Math.abs(a.getRating() - b.rating()));
                max = Math.max(max, Math.abs(a.getScore() - b.score()));
            }
        }
        return max;
    }

    private void printStatus(
            double seconds,
            long events,
            double rate,
            EventProducer producer,
            Map<String, UserScores> latestScores) {
        MetricsSnapshot bayes = producer.bayes();
        out.printf(
                Locale.ROOT,
                "[%4.0fs] events %,9d  %,7.0f/s  model v%d  users scored %,d  dead letters %d%n",
                seconds,
                events,
                rate,
                (long) CliSupport.gauge("modelVersion"),
                latestScores.size(),
                InProcessMetricsReporter.counter("deadLetters"));
        out.printf(
                Locale.ROOT,
                "        click AUC %.3f (bayes %.3f)   purchase AUC %.3f (bayes %.3f)   rating RMSE"
                        + " %.3f (bayes %.3f)%n",
                CliSupport.gauge("clickAuc"),
                bayes.clickAuc(),
                CliSupport.gauge("purchaseAuc"),
                bayes.purchaseAuc(),
                CliSupport.gauge("ratingRmse"),
                bayes.ratingRmse());
        UserScores sample = latestScores.get("u1");
        if (sample != null) {
            StringBuilder top = new StringBuilder();
            List<ScoredItem> items = sample.getItems();
            for (int i = 0; i < Math.min(5, items.size()); i++) {
                ScoredItem s = items.get(i);
                top.append(
                        String.format(
                                Locale.ROOT,
                                "%s%s click %.2f buy %.3f rating %.1f",
                                i == 0 ? "" : " | ",
                                s.getItemId(),
                                s.getClick(),
                                s.getPurchase(),
                                s.getRating()));
            }
            out.printf(Locale.ROOT, "        u1 top-5 (v%d): %s%n", sample.getModelVersion(), top);
        }
    }

    private static double round(double v) {
        return Double.isFinite(v) ? Math.round(v * 10_000) / 10_000.0 : v;
    }
}
