package io.mtrec.flink.cli;

import io.mtrec.flink.KafkaJobIO;
import io.mtrec.flink.TrainingJob;
import io.mtrec.flink.config.JobConfig;
import io.mtrec.flink.kafka.EmbeddedKafka;
import io.mtrec.flink.metrics.InProcessMetricsReporter;
import io.mtrec.model.MultiTaskLearner;
import io.mtrec.model.synthetic.SyntheticConfig;
import io.mtrec.model.synthetic.SyntheticGenerator;
import io.mtrec.schemas.ModelSnapshotChunk;
import io.mtrec.schemas.TopicKind;
import io.mtrec.schemas.TopicRegistry;
import io.mtrec.schemas.serde.AvroSerde;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./mtrec bench [--saturation-events N] [--rate R] [--duration 105s] [--warmup 45s]
 * [--summary FILE] [--timeline FILE] [--setting value ...]}: the end-to-end benchmark of the
 * training job on a real broker and a local Flink MiniCluster, in two phases.
 *
 * <ol>
 *   <li><b>Saturation.</b> N synthetic events are written to Kafka first, then the job reads them
 *       from the earliest offset, bounded (in arrival order unless {@code --ordering} is given), as
 *       fast as it can: {@code events_per_sec} is the rate between the first event learned and the
 *       last, so job start-up is not counted; {@code events_per_sec_per_core} divides it by the
 *       cores of the machine, which also run the broker. {@code state_bytes_per_user} is the size
 *       of the model snapshot at the end (what a checkpoint of the trainer holds) over the users in
 *       it.
 *   <li><b>Latency.</b> A fresh job on fresh topics while events are produced at a fixed rate R,
 *       each stamped with the wall clock when it is sent. Every score record received after the
 *       warm-up that is the first to carry a newer event of its user gives one sample: receive time
 *       minus the record's {@code lastEventTime}, i.e. how far behind the user's newest event the
 *       score they see is (Kafka both ways, batching, training, the per-user flush limit). A record
 *       that re-scores a user without a new event (a held click of theirs expired) is not an
 *       event's latency and is not counted. {@code latency_p50_ms} and {@code latency_p99_ms}.
 * </ol>
 *
 * Job settings apply to both phases; the latency phase defaults to {@code scores.flush.interval.ms
 * = 25} and {@code batch.timeout.ms = 10} (a live deployment's choice for fresh scores: the
 * synthetic stream's 1,000 users each send about ten events a second, so a longer interval holds
 * most users' newest events back), unless set.
 */
public final class BenchCommand {
    private static final Duration CATCH_UP = Duration.ofMinutes(5);

    private final PrintStream out;
    private LocalCheckpoints checkpoints;

    public BenchCommand(PrintStream out) {
        this.out = out;
    }

    public Map<String, Object> run(Args args) throws Exception {
        long saturationEvents = Long.parseLong(args.take("saturation.events", "1000000"));
        int rate = args.takeInt("rate", 10_000);
        // The first 20 to 30 s of a fresh job still compile and size the heap (p99 over 150 ms
        // there). With a 30 s warm-up six of eight runs began with a 1 to 3 s bump (p99 up to
        // 376 ms; probably checkpoint and snapshot code, run once every 10 s, being compiled),
        // with 45 s none of seven had one that long. The default measures the same 60 s after it.
        Duration duration = args.takeDuration("duration", Duration.ofSeconds(105));
        Duration warmup = args.takeDuration("warmup", Duration.ofSeconds(45));
        String summaryFile = args.take("summary", null);
        String timelineFile = args.take("timeline", null);
        if (saturationEvents < 1) {
            throw new IllegalArgumentException(
                    "--saturation-events must be at least 1, got " + saturationEvents);
        }
        if (rate < 1) {
            throw new IllegalArgumentException("--rate must be at least 1 event/s, got " + rate);
        }
        if (warmup.compareTo(duration) >= 0) {
            throw new IllegalArgumentException(
                    "--warmup ("
                            + warmup.toSeconds()
                            + "s) must be shorter than --duration ("
                            + duration.toSeconds()
                            + "s)");
        }
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("bootstrap.servers", "127.0.0.1:9092");
        defaults.put("checkpoint.interval.ms", "10000");
        defaults.put("watermark.out.of.orderness.ms", "1000");
        // The generator's purchases follow their click within a minute of event time.
        defaults.put("model.conversion.window.ms", "120000");
        // Saturation reads a bounded backlog, but measures what a live job sustains: arrival order
        // unless --ordering says otherwise (event-time holds events for the slowest partition).
        defaults.put(JobConfig.ORDERING.name(), "arrival");
        JobConfig requested = args.jobConfig(defaults);
        // Fresh scores need short waits: beneath whatever --config or a flag says.
        Map<String, String> liveDefaults = new LinkedHashMap<>(defaults);
        liveDefaults.put(JobConfig.SCORES_FLUSH_INTERVAL_MS.name(), "25");
        liveDefaults.put(JobConfig.BATCH_TIMEOUT_MS.name(), "10");
        JobConfig liveRequested = args.jobConfig(liveDefaults);
        int cores = Runtime.getRuntime().availableProcessors();

        Map<String, Object> summary = new LinkedHashMap<>();
        out.println("mtrec bench: starting a Kafka broker (KRaft, in-process) ...");
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
                LocalCheckpoints checkpoints = LocalCheckpoints.create()) {
            this.checkpoints = checkpoints;
            JobConfig saturation =
                    withTopics(requested, kafka.bootstrapServers(), "bench.saturation.")
                            .with(Map.of("bounded", "true", "start", "earliest"));
            CliSupport.createTopics(kafka, saturation.topics());
            Saturation sat = saturation(saturation, saturationEvents);
            summary.put("events_per_sec", Math.round(sat.eventsPerSec()));
            summary.put("events_per_sec_per_core", Math.round(sat.eventsPerSec() / cores));
            summary.put("state_bytes_per_user", sat.stateBytesPerUser());
            summary.put("saturation_events", sat.events());

            JobConfig live = withTopics(liveRequested, kafka.bootstrapServers(), "bench.live.");
            CliSupport.createTopics(kafka, live.topics());
            Latency lat = latency(live, rate, duration, warmup, timelineFile);
            summary.put("latency_p50_ms", lat.p50());
            summary.put("latency_p99_ms", lat.p99());
            summary.put("latency_samples", lat.samples());
            summary.put("output_latency_p50_ms", lat.outputPath()[0]);
            summary.put("output_latency_p99_ms", lat.outputPath()[1]);
            summary.put("event_to_trainer_p50_ms", lat.toTrainer()[0]);
            summary.put("event_to_trainer_p99_ms", lat.toTrainer()[1]);
            summary.put("in_job_latency_p50_ms", lat.inJob()[0]);
            summary.put("in_job_latency_p99_ms", lat.inJob()[1]);
            summary.put("batch_millis_p50", lat.batchMillis()[0]);
            summary.put("batch_millis_p99", lat.batchMillis()[1]);
            summary.put("checkpoint_millis_max", lat.checkpointMillisMax());
            summary.put("snapshot_publish_millis_max", lat.publishMillisMax());
            summary.put("latency_rate", rate);
            summary.put("latency_events_per_sec", Math.round(lat.eventsPerSec()));
            summary.put("scores_flush_interval_ms", live.get(JobConfig.SCORES_FLUSH_INTERVAL_MS));
            summary.put("batch_size", live.get(JobConfig.BATCH_SIZE));
            summary.put("batch_timeout_ms", live.get(JobConfig.BATCH_TIMEOUT_MS));
            summary.put("buffer_timeout_ms", live.get(JobConfig.BUFFER_TIMEOUT_MS));
        }
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("os.arch", System.getProperty("os.arch"));
        machine.put("cores", cores);
        machine.put(
                "jvm",
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        summary.put("machine", machine);

        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        out.println();
        out.println(json.writeValueAsString(summary));
        if (summaryFile != null) {
            json.writeValue(Path.of(summaryFile).toFile(), summary);
            out.println("summary written to " + summaryFile);
        }
        return summary;
    }

    private static JobConfig withTopics(JobConfig config, String servers, String prefix) {
        Map<String, String> overrides = new HashMap<>();
        overrides.put(JobConfig.BOOTSTRAP_SERVERS.name(), servers);
        for (TopicKind kind : TopicKind.values()) {
            String name = config.topics().name(kind);
            overrides.put("topic." + kind.name().toLowerCase(Locale.ROOT), prefix + name);
        }
        return config.with(overrides);
    }

    private record Saturation(long events, double eventsPerSec, long stateBytesPerUser) {}

    private Saturation saturation(JobConfig config, long events) throws Exception {
        String servers = config.get(JobConfig.BOOTSTRAP_SERVERS);
        TopicRegistry topics = config.topics();
        out.printf(Locale.ROOT, "saturation: writing %,d synthetic events to Kafka ...%n", events);
        SyntheticGenerator generator =
                new SyntheticGenerator(SyntheticConfig.defaults(), config.model().metricsWindow());
        try (EventProducer producer = new EventProducer(generator, servers, topics, 0, events, 0)) {
            producer.run();
        }

        SnapshotCollector snapshots = new SnapshotCollector();
        TopicFollower<ModelSnapshotChunk> snapshotFollower =
                TopicFollower.of(
                        servers,
                        topics.name(TopicKind.SNAPSHOTS),
                        AvroSerde.of(ModelSnapshotChunk.class),
                        true,
                        snapshots::add);
        InProcessMetricsReporter.reset();
        JobClient job = start(config, "mtrec-bench-saturation");
        out.println("saturation: the job reads them back as fast as it can ...");
        long firstCount = 0;
        long firstAt = 0;
        long deadline = System.nanoTime() + CATCH_UP.toNanos();
        while (System.nanoTime() < deadline) {
            long learned = InProcessMetricsReporter.counter("eventsLearned");
            if (firstAt == 0 && learned > 0) {
                firstCount = learned;
                firstAt = System.nanoTime();
            }
            if (learned >= events) {
                break;
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
        long lastAt = System.nanoTime();
        long learned = InProcessMetricsReporter.counter("eventsLearned");
        if (learned < events) {
            CliSupport.cancelAndWait(job);
            throw new IllegalStateException(
                    "the job learned " + learned + " of " + events + " events in " + CATCH_UP);
        }
        double eventsPerSec = (learned - firstCount) / ((lastAt - firstAt) / 1e9);
        job.getJobExecutionResult().get(CATCH_UP.toSeconds(), TimeUnit.SECONDS);
        snapshotFollower.assignFromBeginning();
        snapshotFollower.drain();
        snapshotFollower.close();
        long bytesPerUser =
                snapshots
                        .newest()
                        .map(
                                s ->
                                        s.bytes().length
                                                / Math.max(
                                                        1,
                                                        MultiTaskLearner.fromSnapshotBytes(
                                                                        s.bytes())
                                                                .userCount()))
                        .orElse(-1);
        out.printf(
                Locale.ROOT,
                "saturation: %,.0f events/s (%,d events after the first), %,d snapshot bytes per"
                        + " user%n",
                eventsPerSec,
                learned - firstCount,
                bytesPerUser);
        return new Saturation(learned, eventsPerSec, bytesPerUser);
    }

    private record Latency(
            double p50,
            double p99,
            int samples,
            double eventsPerSec,
            double[] outputPath,
            double[] toTrainer,
            double[] inJob,
            double[] batchMillis,
            double checkpointMillisMax,
            double publishMillisMax) {}

    private Latency latency(
            JobConfig config, int rate, Duration duration, Duration warmup, String timelineFile)
            throws Exception {
        String servers = config.get(JobConfig.BOOTSTRAP_SERVERS);
        TopicRegistry topics = config.topics();
        InProcessMetricsReporter.reset();
        JobClient job = start(config, "mtrec-bench-latency");
        // The sources start from the earliest offset of empty topics; wait until the trainer runs.
        InProcessMetricsReporter.waitFor(
                () -> !Double.isNaN(CliSupport.gauge("modelVersion")), CATCH_UP);

        long[] samples = new long[1 << 20];
        long[] outputSamples = new long[samples.length];
        long[] receivedAt = new long[samples.length];
        int[] count = {0};
        long[] sampleFrom = {Long.MAX_VALUE};
        Map<String, Long> newestEvent = new HashMap<>();
        TopicFollower<ScoreStamps.Stamp> scoreFollower =
                new TopicFollower<>(
                        servers,
                        topics.name(TopicKind.SCORES),
                        new ScoreStamps(),
                        false,
                        s -> {
                            long now = System.currentTimeMillis();
                            long eventTime = s.lastEventTimeMs();
                            // A record without a newer event of its user (one that a held click
                            // expiring or another batch re-scored) measures no event's latency.
                            Long previous = newestEvent.put(s.userId(), eventTime);
                            if (previous != null && previous >= eventTime) {
                                return;
                            }
                            if (eventTime >= sampleFrom[0]) {
                                synchronized (samples) {
                                    if (count[0] < samples.length) {
                                        outputSamples[count[0]] = now - s.producedAtMs();
                                        receivedAt[count[0]] = now;
                                        samples[count[0]++] = now - eventTime;
                                    }
                                }
                            }
                        });
        Thread scoreThread = CliSupport.daemon("bench-scores", scoreFollower);
        SyntheticGenerator generator =
                new SyntheticGenerator(SyntheticConfig.defaults(), config.model().metricsWindow());
        EventProducer producer = new EventProducer(generator, servers, topics, rate, 0, 0, true);
        out.printf(
                Locale.ROOT,
                "latency: producing %,d events/s for %ds (the first %ds are warm-up) ...%n",
                rate,
                duration.toSeconds(),
                warmup.toSeconds());
        Thread producerThread = CliSupport.daemon("bench-producer", producer);
        long start = System.nanoTime();
        TimeUnit.NANOSECONDS.sleep(warmup.toNanos());
        sampleFrom[0] = System.currentTimeMillis();
        long learnedAtWarmup = InProcessMetricsReporter.counter("eventsLearned");
        long measuredFrom = System.nanoTime();
        TimeUnit.NANOSECONDS.sleep(Math.max(0, start + duration.toNanos() - System.nanoTime()));
        long learned = InProcessMetricsReporter.counter("eventsLearned");
        double eventsPerSec =
                (learned - learnedAtWarmup) / ((System.nanoTime() - measuredFrom) / 1e9);
        // Where the time goes: the trainer's own view of its last 10,000 score records (event
        // sent -> score record emitted) and of its last 1,000 batches.
        double[] inJob = quantiles("eventToScoreMillis");
        double[] toTrainer = quantiles("eventToTrainerMillis");
        double[] batch = quantiles("batchMillis");
        double checkpointMax = max("checkpointMillis");
        double publishMax = max("snapshotPublishMillis");
        producer.stop();
        producerThread.join();
        producer.close();
        // Scores of the last events produced may still be on their way.
        TimeUnit.SECONDS.sleep(2);
        scoreFollower.stop();
        scoreThread.join();
        scoreFollower.close();
        CliSupport.cancelAndWait(job);

        long[] sorted;
        long[] output;
        synchronized (samples) {
            sorted = Arrays.copyOf(samples, count[0]);
            output = Arrays.copyOf(outputSamples, count[0]);
        }
        // The score reader has stopped: the arrays are no longer written.
        if (timelineFile != null) {
            writeTimeline(timelineFile, receivedAt, samples, outputSamples, sorted.length);
        }
        Arrays.sort(sorted);
        Arrays.sort(output);
        double[] outputPath = {percentile(output, 0.50), percentile(output, 0.99)};
        double p50 = percentile(sorted, 0.50);
        double p99 = percentile(sorted, 0.99);
        out.printf(
                Locale.ROOT,
                "latency: %,d score records, p50 %.0f ms, p99 %.0f ms, %,.0f events/s learned%n",
                sorted.length,
                p50,
                p99,
                eventsPerSec);
        out.printf(
                Locale.ROOT,
                "latency: score emitted to received p50 %.0f ms, p99 %.0f ms; in the job's last"
                        + " 10,000, event to trainer p50 %.0f ms, p99 %.0f ms, event to score"
                        + " emitted p50 %.0f ms, p99 %.0f ms; batch p50 %.0f ms, p99 %.0f ms%n",
                outputPath[0],
                outputPath[1],
                toTrainer[0],
                toTrainer[1],
                inJob[0],
                inJob[1],
                batch[0],
                batch[1]);
        return new Latency(
                p50,
                p99,
                sorted.length,
                eventsPerSec,
                outputPath,
                toTrainer,
                inJob,
                batch,
                checkpointMax,
                publishMax);
    }

    /** p50 and p99 of the trainer's histogram {@code name}, NaN when it has none. */
    private static double[] quantiles(String name) {
        return InProcessMetricsReporter.histogram(name)
                .map(h -> new double[] {h.getQuantile(0.5), h.getQuantile(0.99)})
                .orElse(new double[] {Double.NaN, Double.NaN});
    }

    /** The largest value of the trainer's histogram {@code name} (its last 1,000), NaN if none. */
    private static double max(String name) {
        return InProcessMetricsReporter.histogram(name)
                .map(h -> (double) h.getMax())
                .orElse(Double.NaN);
    }

    /** Nearest-rank percentile of sorted samples; NaN when there are none. */
    static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
    }

    private JobClient start(JobConfig config, String name) throws Exception {
        Configuration flinkConf = checkpoints.configure(new Configuration());
        InProcessMetricsReporter.configure(flinkConf);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(1, flinkConf);
        TrainingJob.build(env, config, new KafkaJobIO(config));
        return env.executeAsync(name);
    }

    static List<String> summaryKeys() {
        return List.of(
                "events_per_sec",
                "events_per_sec_per_core",
                "latency_p50_ms",
                "latency_p99_ms",
                "state_bytes_per_user");
    }

    /**
     * {@code --timeline FILE}: one CSV line per score record measured, in arrival order: received
     * (epoch ms), event to received (ms), emitted to received (ms); to see when the tail happens.
     */
    private void writeTimeline(String file, long[] receivedAt, long[] latency, long[] output, int n)
            throws java.io.IOException {
        try (var w = java.nio.file.Files.newBufferedWriter(Path.of(file))) {
            w.write("received_ms,latency_ms,output_latency_ms\n");
            for (int i = 0; i < n; i++) {
                w.write(receivedAt[i] + "," + latency[i] + "," + output[i] + "\n");
            }
        }
        out.println("timeline written to " + file);
    }
}
