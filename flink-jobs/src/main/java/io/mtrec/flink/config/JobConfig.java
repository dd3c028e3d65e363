package io.mtrec.flink.config;

import io.mtrec.model.config.ComputeBackend;
import io.mtrec.model.config.ComputeSettings;
import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.config.Param;
import io.mtrec.model.sync.SyncMerge;
import io.mtrec.schemas.TopicKind;
import io.mtrec.schemas.TopicRegistry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.apache.flink.connector.base.DeliveryGuarantee;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import static io.mtrec.flink.config.Setting.boolSetting;
import static io.mtrec.flink.config.Setting.intSetting;
import static io.mtrec.flink.config.Setting.longSetting;
import static io.mtrec.flink.config.Setting.stringSetting;

/**
 * Every setting of the training job, declared once and validated at start-up. One object feeds the
 * CLI, the job and the tests; {@code model.*} settings go to {@link ModelConfig}.
 */
public final class JobConfig {

    public static final Setting<String> BOOTSTRAP_SERVERS =
            new Setting<>(
                    "bootstrap.servers",
                    null,
                    "a comma-separated list of host:port",
                    "Kafka brokers to read events from and write scores and snapshots to.",
                    Function.identity(),
                    v -> v.matches("[^,\\s]+:\\d+(,[^,\\s]+:\\d+)*"));
    public static final Setting<String> GROUP_ID =
            stringSetting("group.id", "mtrec-trainer", "Kafka consumer group of the job.");
    public static final Setting<StartPosition> START =
            new Setting<>(
                    "start",
                    "earliest",
                    "earliest, latest, committed, epoch millis or an ISO-8601 instant",
                    "Where to start reading the event topics.",
                    StartPosition::parse,
                    v -> true);
    public static final Setting<Boolean> BOUNDED =
            boolSetting(
                    "bounded",
                    false,
                    "Stop at the offsets found at start (backfill) instead of running forever.");
    public static final Setting<Ordering> ORDERING =
            new Setting<>(
                    "ordering",
                    "auto",
                    "auto, arrival or event-time",
                    "Order the trainer learns events in: arrival (a batch closes by size or"
                            + " batch.timeout.ms), event-time (released in (event time, event id)"
                            + " order as the watermark passes, batched by count: the same model"
                            + " whatever the topics' interleaving), auto (event-time when bounded).",
                    Ordering::parse,
                    v -> true);
    public static final Setting<Integer> BATCH_SIZE =
            intSetting("batch.size", 512, 1, 1 << 16, "Events per mini-batch.");
    public static final Setting<Long> BATCH_TIMEOUT_MS =
            longSetting(
                    "batch.timeout.ms",
                    200,
                    1,
                    3_600_000,
                    "A partial mini-batch is trained after waiting this long.");
    public static final Setting<Integer> SCORES_TOP_K =
            intSetting("scores.top.k", 10, 1, 1000, "Items per user in each score record.");
    public static final Setting<Long> SCORES_FLUSH_INTERVAL_MS =
            longSetting(
                    "scores.flush.interval.ms",
                    1000,
                    1,
                    3_600_000,
                    "At most one score record per user per interval: a user not scored within it"
                            + " gets one right after the batch that learned their event, else when"
                            + " the interval has passed (the latest state wins).");
    public static final Setting<Set<String>> SCORES_EXCLUDE =
            new Setting<>(
                    "scores.exclude",
                    "purchased,rated",
                    "none, or a comma-separated subset of purchased and rated",
                    "Items left out of a user's score record: those they recently bought and/or"
                            + " rated.",
                    JobConfig::parseExclusions,
                    v -> true);
    public static final Setting<Integer> SCORES_EXCLUDE_MAX =
            intSetting(
                    "scores.exclude.max",
                    100,
                    1,
                    10_000,
                    "Recently bought or rated items remembered per user for scores.exclude.");
    public static final Setting<Long> USER_STATE_TTL_MS =
            longSetting(
                    "user.state.ttl.ms",
                    30L * 86_400_000,
                    0,
                    3_650L * 86_400_000,
                    "A user's keyed state (embedding row, optimizer slots, held clicks, recent"
                            + " items) is dropped this long (processing time) after it was last"
                            + " written; the user then starts afresh. 0 keeps it forever.");
    public static final Setting<Integer> TRAINER_RESIDENT_USERS =
            intSetting(
                    "trainer.resident.users",
                    io.mtrec.flink.train.TrainerSettings.DEFAULT_RESIDENT_USERS,
                    0,
                    10_000_000,
                    "Users whose row, optimizer slots and held clicks a trainer keeps in memory"
                            + " between batches; what changed is written back to keyed state at"
                            + " every checkpoint, which forgets those idle since the one before,"
                            + " and all are written back and forgotten when"
                            + " more are held. 0 writes every batch's users back after the batch."
                            + " Ignored (0) when model.embedding.ttl.ms is set.");
    public static final Setting<Long> SNAPSHOT_INTERVAL_MS =
            longSetting(
                    "snapshot.interval.ms",
                    10_000,
                    1,
                    86_400_000,
                    "A model snapshot is published at most this often.");
    public static final Setting<Double> SNAPSHOT_GATE_TOLERANCE =
            new Setting<>(
                    "snapshot.gate.tolerance",
                    "0.01",
                    "a number in [0, 1]",
                    "A snapshot is published only if its progressive click and purchase AUC are at"
                            + " most this much below, and its rating RMSE at most this fraction"
                            + " above, the last published one's (1 lets every snapshot through).",
                    Double::parseDouble,
                    v -> v >= 0 && v <= 1);
    public static final Setting<String> MODEL_ID =
            stringSetting("model.id", "mtrec", "Name of the model in snapshot records.");
    public static final Setting<Long> WATERMARK_OUT_OF_ORDERNESS_MS =
            longSetting(
                    "watermark.out.of.orderness.ms",
                    5_000,
                    0,
                    86_400_000,
                    "How late (event time) an event may arrive behind the newest one.");
    public static final Setting<Long> CHECKPOINT_INTERVAL_MS =
            longSetting(
                    "checkpoint.interval.ms",
                    10_000,
                    0,
                    86_400_000,
                    "Checkpoint interval; 0 disables checkpoints.");
    public static final Setting<Long> BUFFER_TIMEOUT_MS =
            longSetting(
                    "buffer.timeout.ms",
                    10,
                    0,
                    60_000,
                    "Longest a record waits in a partly filled network buffer between operators"
                            + " (Flink's buffer timeout; its default of 100 ms would add up to 100"
                            + " ms to every event's way to its score). 0 flushes after every"
                            + " record.");
    public static final Setting<DeliveryGuarantee> DELIVERY =
            guarantee(
                    "delivery.guarantee",
                    "at-least-once",
                    "Guarantee of the score and dead-letter sinks; scores are keyed and"
                            + " latest-wins, so a replayed record only repeats a state.");
    public static final Setting<DeliveryGuarantee> SNAPSHOT_DELIVERY =
            guarantee(
                    "snapshots.delivery.guarantee",
                    "exactly-once",
                    "Guarantee of the snapshot sink; exactly-once writes each version in a Kafka"
                            + " transaction committed on a checkpoint.");
    public static final Setting<Integer> SOURCE_PARALLELISM =
            intSetting("source.parallelism", 1, 1, 1024, "Parallel Kafka readers and decoders.");
    public static final Setting<Integer> TRAINER_PARALLELISM =
            intSetting(
                    "trainer.parallelism",
                    1,
                    1,
                    1024,
                    "Parallel trainers. Each owns the users Flink routes to it and keeps a replica"
                            + " of the item table and dense parameters; above 1 the replicas"
                            + " exchange deltas through the param-sync topic.");
    public static final Setting<Integer> PARAM_SYNC_BATCHES =
            intSetting(
                    "param.sync.batches",
                    4,
                    1,
                    1_000_000,
                    "With parallel trainers, a trainer publishes its parameter delta after this"
                            + " many batches (or param.sync.interval.ms, whichever comes first).");
    public static final Setting<Long> PARAM_SYNC_INTERVAL_MS =
            longSetting(
                    "param.sync.interval.ms",
                    1_000,
                    1,
                    3_600_000,
                    "With parallel trainers, the longest a trainer keeps its updates before"
                            + " publishing them as a delta.");
    public static final Setting<SyncMerge> PARAM_SYNC_MERGE = fromParam(SyncMerge.PARAM);
    public static final Setting<Integer> PARAM_SYNC_MAX_LAG =
            intSetting(
                    "param.sync.max.lag",
                    2,
                    0,
                    1_000_000,
                    "With parallel trainers, a trainer holds its events (stops training, keeps"
                            + " reading) while it has published this many deltas more than it has"
                            + " applied from another trainer: bounded staleness. 0 never waits.");
    public static final Setting<DeliveryGuarantee> PARAM_SYNC_DELIVERY =
            guarantee(
                    "param.sync.delivery.guarantee",
                    "at-least-once",
                    "Guarantee of the param-sync sink. at-least-once: the other trainers see a"
                            + " delta at once and apply each (trainer, sequence) once, but after a"
                            + " restore a replica may keep a delta of the failed attempt;"
                            + " exactly-once: deltas are Kafka transactions, seen only once a"
                            + " checkpoint commits them, so replicas lag by up to a checkpoint"
                            + " interval, which at high rates makes them drift apart.");

    public static final Setting<ComputeBackend> COMPUTE_BACKEND =
            fromParam(ComputeSettings.BACKEND);
    public static final Setting<Integer> COMPUTE_DEVICE = fromParam(ComputeSettings.DEVICE);

    /** A job setting declared by model-core, so that the job and the CLI check it at start-up. */
    private static <T> Setting<T> fromParam(Param<T> param) {
        return new Setting<>(
                param.name(),
                param.format(param.defaultValue()),
                param.allowed(),
                param.doc(),
                param::parse,
                v -> true);
    }

    private static Set<String> parseExclusions(String text) {
        if (text.equals("none")) {
            return Set.of();
        }
        Set<String> kinds = new LinkedHashSet<>();
        for (String part : text.split(",")) {
            String kind = part.trim();
            if (!kind.equals("purchased") && !kind.equals("rated")) {
                throw new IllegalArgumentException("unknown exclusion " + kind);
            }
            kinds.add(kind);
        }
        return Collections.unmodifiableSet(kinds);
    }

    private static Setting<DeliveryGuarantee> guarantee(String name, String dflt, String doc) {
        return new Setting<>(
                name,
                dflt,
                "at-least-once or exactly-once",
                doc,
                s -> DeliveryGuarantee.valueOf(s.toUpperCase().replace('-', '_')),
                v -> v != DeliveryGuarantee.NONE);
    }

    private static final Map<TopicKind, Setting<String>> TOPIC_SETTINGS = topicSettings();

    /** All settings in documentation order. */
    public static final List<Setting<?>> SETTINGS = allSettings();

    private final Map<String, String> values;
    private final ModelConfig model;

    private JobConfig(Map<String, String> values, ModelConfig model) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.model = model;
    }

    /**
     * Builds a config from dotted settings ({@code batch.size}, {@code model.embedding.dim}, ...).
     *
     * @throws IllegalArgumentException naming the first unknown or invalid setting
     */
    public static JobConfig fromMap(Map<String, String> settings) {
        Map<String, String> job = new LinkedHashMap<>();
        Map<String, String> modelSettings = new LinkedHashMap<>();
        Set<String> known = new java.util.HashSet<>();
        SETTINGS.forEach(s -> known.add(s.name()));
        for (Map.Entry<String, String> e : settings.entrySet()) {
            String key = e.getKey();
            if (known.contains(key)) {
                job.put(key, e.getValue());
            } else if (key.startsWith("model.")) {
                modelSettings.put(key.substring("model.".length()), e.getValue());
            } else {
                throw new IllegalArgumentException(
                        "unknown setting '" + key + "'; known settings: " + known + ", model.*");
            }
        }
        for (Setting<?> s : SETTINGS) {
            String text = job.getOrDefault(s.name(), s.defaultValue());
            s.parse(text);
            job.put(s.name(), text);
        }
        ModelConfig model = ModelConfig.fromMap(modelSettings);
        JobConfig config = new JobConfig(job, model);
        config.topics();
        return config;
    }

    /** Reads a YAML file (nested maps are flattened with dots) and overlays {@code overrides}. */
    public static JobConfig fromYaml(Path file, Map<String, String> overrides) throws IOException {
        Map<String, String> settings = new LinkedHashMap<>();
        JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
        if (root != null && !root.isNull()) {
            if (!root.isObject()) {
                throw new IllegalArgumentException(
                        "config file " + file + " must hold a map of settings");
            }
            flatten("", root, settings);
        }
        settings.putAll(overrides);
        return fromMap(settings);
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            String key = prefix.isEmpty() ? f.getKey() : prefix + "." + f.getKey();
            if (f.getValue().isObject()) {
                flatten(key, f.getValue(), out);
            } else {
                out.put(key, f.getValue().asText());
            }
        }
    }

    public <T> T get(Setting<T> setting) {
        return setting.parse(values.get(setting.name()));
    }

    public ModelConfig model() {
        return model;
    }

    /** The backend and device the trainer computes on ({@code compute.*}). */
    public ComputeSettings compute() {
        return ComputeSettings.of(get(COMPUTE_BACKEND), get(COMPUTE_DEVICE));
    }

    /** Job settings as text, without the model's. */
    public Map<String, String> values() {
        return values;
    }

    /** A copy with some settings replaced. */
    public JobConfig with(Map<String, String> overrides) {
        Map<String, String> all = new LinkedHashMap<>(values);
        model.toMap().forEach((k, v) -> all.put("model." + k, v));
        all.putAll(overrides);
        return fromMap(all);
    }

    public TopicRegistry topics() {
        Map<TopicKind, String> names = new EnumMap<>(TopicKind.class);
        TOPIC_SETTINGS.forEach((kind, s) -> names.put(kind, get(s)));
        return TopicRegistry.withNames(names);
    }

    private static Map<TopicKind, Setting<String>> topicSettings() {
        Map<TopicKind, Setting<String>> settings = new EnumMap<>(TopicKind.class);
        for (TopicKind kind : TopicKind.values()) {
            settings.put(
                    kind,
                    stringSetting(
                            "topic." + kind.name().toLowerCase(),
                            kind.defaultName(),
                            "Name of the " + kind.name().toLowerCase() + " topic."));
        }
        return Collections.unmodifiableMap(settings);
    }

    private static List<Setting<?>> allSettings() {
        List<Setting<?>> all =
                new ArrayList<>(
                        List.of(
                                BOOTSTRAP_SERVERS,
                                GROUP_ID,
                                START,
                                BOUNDED,
                                ORDERING,
                                BATCH_SIZE,
                                BATCH_TIMEOUT_MS,
                                SCORES_TOP_K,
                                SCORES_FLUSH_INTERVAL_MS,
                                SCORES_EXCLUDE,
                                SCORES_EXCLUDE_MAX,
                                USER_STATE_TTL_MS,
                                TRAINER_RESIDENT_USERS,
                                SNAPSHOT_INTERVAL_MS,
                                SNAPSHOT_GATE_TOLERANCE,
                                MODEL_ID,
                                WATERMARK_OUT_OF_ORDERNESS_MS,
                                CHECKPOINT_INTERVAL_MS,
                                BUFFER_TIMEOUT_MS,
                                DELIVERY,
                                SNAPSHOT_DELIVERY,
                                SOURCE_PARALLELISM,
                                TRAINER_PARALLELISM,
                                PARAM_SYNC_BATCHES,
                                PARAM_SYNC_INTERVAL_MS,
                                PARAM_SYNC_MERGE,
                                PARAM_SYNC_MAX_LAG,
                                PARAM_SYNC_DELIVERY,
                                COMPUTE_BACKEND,
                                COMPUTE_DEVICE));
        all.addAll(TOPIC_SETTINGS.values());
        return Collections.unmodifiableList(all);
    }
}
