package io.mtrec.flink.train;

import io.mtrec.flink.config.JobConfig;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

/**
 * What the trainer operator needs from the job config, in a serialisable form.
 *
 * @param modelSettings the model's settings ({@code ModelConfig.toMap()})
 */
public record TrainerSettings(
        int batchSize,
        long batchTimeoutMs,
        int topK,
        long scoresFlushIntervalMs,
        long snapshotIntervalMs,
        String modelId,
        HashMap<String, String> modelSettings)
        implements Serializable {

    public static TrainerSettings from(JobConfig config) {
        return new TrainerSettings(
                config.get(JobConfig.BATCH_SIZE),
                config.get(JobConfig.BATCH_TIMEOUT_MS),
                config.get(JobConfig.SCORES_TOP_K),
                config.get(JobConfig.SCORES_FLUSH_INTERVAL_MS),
                config.get(JobConfig.SNAPSHOT_INTERVAL_MS),
                config.get(JobConfig.MODEL_ID),
                new HashMap<>(config.model().toMap()));
    }

    public Map<String, String> modelSettingsView() {
        return Map.copyOf(modelSettings);
    }
}
