package io.mtrec.flink.train;

import io.mtrec.flink.config.JobConfig;
import io.mtrec.model.config.ComputeSettings;
import io.mtrec.model.sync.SyncMerge;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

/**
 * What the trainer operator needs from the job config, in a serialisable form.
 *
 * @param modelSettings the model's settings ({@code ModelConfig.toMap()})
 * @param computeSettings where the trainer computes ({@code ComputeSettings.toMap()})
 * @param eventTimeOrdering learn in event-time order (see {@code ordering}) instead of arrival
 * @param excludePurchased leave items the user recently bought out of their scores
 * @param excludeRated leave items the user recently rated out of their scores
 * @param excludeMax recent items remembered per user for the exclusions
 * @param snapshotGateTolerance how much worse than the last published snapshot a new one may be
 * @param userStateTtlMs processing time after its last write that a user's keyed state is dropped;
 *     0 keeps it
 * @param paramSync when parallel trainers exchange parameter deltas, and how they merge them
 * @param residentUsers how many users' rows, held clicks and ledgers the trainer keeps in the
 *     learner between batches before it writes them back to keyed state (it also does at every
 *     checkpoint and snapshot); 0 writes them back after every batch
 */
public record TrainerSettings(
        int batchSize,
        long batchTimeoutMs,
        int topK,
        long scoresFlushIntervalMs,
        long snapshotIntervalMs,
        String modelId,
        HashMap<String, String> modelSettings,
        HashMap<String, String> computeSettings,
        boolean eventTimeOrdering,
        boolean excludePurchased,
        boolean excludeRated,
        int excludeMax,
        double snapshotGateTolerance,
        long userStateTtlMs,
        ParamSync paramSync,
        int residentUsers)
        implements Serializable {

    /** Default of {@code trainer.resident.users}. */
    public static final int DEFAULT_RESIDENT_USERS = 100_000;

    /**
     * Parameter sync between parallel trainers: a delta after {@code batches} batches or {@code
     * intervalMs}, whichever comes first, merged by {@code merge}; a trainer waits while it is
     * {@code maxLag} deltas ahead of another (0: never waits).
     */
    public record ParamSync(int batches, long intervalMs, SyncMerge merge, int maxLag)
            implements Serializable {
        public static final ParamSync DEFAULTS = new ParamSync(4, 1_000, SyncMerge.SUM, 2);
    }

    /** Settings with arrival ordering. */
    public TrainerSettings(
            int batchSize,
            long batchTimeoutMs,
            int topK,
            long scoresFlushIntervalMs,
            long snapshotIntervalMs,
            String modelId,
            HashMap<String, String> modelSettings,
            HashMap<String, String> computeSettings) {
        this(
                batchSize,
                batchTimeoutMs,
                topK,
                scoresFlushIntervalMs,
                snapshotIntervalMs,
                modelId,
                modelSettings,
                computeSettings,
                false,
                true,
                true,
                100,
                0.01,
                0L,
                ParamSync.DEFAULTS,
                DEFAULT_RESIDENT_USERS);
    }

    /** Settings that compute wherever ND4J's backend on the classpath runs ({@code auto}, 0). */
    public TrainerSettings(
            int batchSize,
            long batchTimeoutMs,
            int topK,
            long scoresFlushIntervalMs,
            long snapshotIntervalMs,
            String modelId,
            HashMap<String, String> modelSettings) {
        this(
                batchSize,
                batchTimeoutMs,
                topK,
                scoresFlushIntervalMs,
                snapshotIntervalMs,
                modelId,
                modelSettings,
                new HashMap<>(ComputeSettings.defaults().toMap()));
    }

    public static TrainerSettings from(JobConfig config) {
        return new TrainerSettings(
                config.get(JobConfig.BATCH_SIZE),
                config.get(JobConfig.BATCH_TIMEOUT_MS),
                config.get(JobConfig.SCORES_TOP_K),
                config.get(JobConfig.SCORES_FLUSH_INTERVAL_MS),
                config.get(JobConfig.SNAPSHOT_INTERVAL_MS),
                config.get(JobConfig.MODEL_ID),
                new HashMap<>(config.model().toMap()),
                new HashMap<>(config.compute().toMap()),
                switch (config.get(JobConfig.ORDERING)) {
                    case EVENT_TIME -> true;
                    case ARRIVAL -> false;
                    case AUTO -> config.get(JobConfig.BOUNDED);
                },
                config.get(JobConfig.SCORES_EXCLUDE).contains("purchased"),
                config.get(JobConfig.SCORES_EXCLUDE).contains("rated"),
                config.get(JobConfig.SCORES_EXCLUDE_MAX),
                config.get(JobConfig.SNAPSHOT_GATE_TOLERANCE),
                config.get(JobConfig.USER_STATE_TTL_MS),
                new ParamSync(
                        config.get(JobConfig.PARAM_SYNC_BATCHES),
                        config.get(JobConfig.PARAM_SYNC_INTERVAL_MS),
                        config.get(JobConfig.PARAM_SYNC_MERGE),
                        config.get(JobConfig.PARAM_SYNC_MAX_LAG)),
                config.get(JobConfig.TRAINER_RESIDENT_USERS));
    }

    /** The same settings with event-time ordering on or off. */
    public TrainerSettings withEventTimeOrdering(boolean on) {
        return copy(c -> c.eventTimeOrdering = on);
    }

    /** The same settings with another snapshot quality-gate tolerance. */
    public TrainerSettings withSnapshotGateTolerance(double tolerance) {
        return copy(c -> c.snapshotGateTolerance = tolerance);
    }

    /** The same settings with another user state TTL. */
    public TrainerSettings withUserStateTtlMs(long ttlMs) {
        return copy(c -> c.userStateTtlMs = ttlMs);
    }

    /** The same settings with another parameter sync. */
    public TrainerSettings withParamSync(ParamSync sync) {
        return copy(c -> c.paramSync = sync);
    }

    /** The same settings with another limit of resident users. */
    public TrainerSettings withResidentUsers(int users) {
        return copy(c -> c.residentUsers = users);
    }

    /** The settings a test or a command changes from a copy of these. */
    private static final class Changes {
        boolean eventTimeOrdering;
        double snapshotGateTolerance;
        long userStateTtlMs;
        ParamSync paramSync;
        int residentUsers;
    }

    private TrainerSettings copy(java.util.function.Consumer<Changes> change) {
        Changes c = new Changes();
        c.eventTimeOrdering = eventTimeOrdering;
        c.snapshotGateTolerance = snapshotGateTolerance;
        c.userStateTtlMs = userStateTtlMs;
        c.paramSync = paramSync;
        c.residentUsers = residentUsers;
        change.accept(c);
        return new TrainerSettings(
                batchSize,
                batchTimeoutMs,
                topK,
                scoresFlushIntervalMs,
                snapshotIntervalMs,
                modelId,
                modelSettings,
                computeSettings,
                c.eventTimeOrdering,
                excludePurchased,
                excludeRated,
                excludeMax,
                c.snapshotGateTolerance,
                c.userStateTtlMs,
                c.paramSync,
                c.residentUsers);
    }

    public Map<String, String> modelSettingsView() {
        return Map.copyOf(modelSettings);
    }

    public ComputeSettings compute() {
        return ComputeSettings.fromMap(computeSettings);
    }
}
