package io.mtrec.model.sync;

import io.mtrec.model.config.Param;

import java.util.Locale;

/**
 * How parallel trainer replicas merge each other's parameter deltas (see {@link ParameterSync}).
 * With K replicas and deltas {@code d_1..d_K} taken from a common base {@code b}:
 */
public enum SyncMerge {
    /**
     * Every replica ends at {@code b + sum_k d_k}: each delta is applied in full, as if one learner
     * had taken every replica's steps (asynchronous SGD with stale reads).
     */
    SUM,
    /**
     * Dense parameters end at {@code b + (1/K) sum_k d_k} (model averaging: a replica's own steps
     * are scaled down by 1/K when it publishes them), embedding rows and biases at {@code b + sum_k
     * d_k}.
     */
    AVERAGE_DENSE,
    /** Every replicated parameter ends at {@code b + (1/K) sum_k d_k}. */
    AVERAGE;

    /**
     * The setting, declared once for the job config, the CLI and the tests. It is not a {@code
     * ModelConfig} parameter: a single learner never reads it, and snapshots do not carry it. Every
     * replica of a job must use the same value (the delta fingerprint includes it).
     */
    public static final Param<SyncMerge> PARAM =
            Param.ofEnum(
                    "sync.merge",
                    SyncMerge.class,
                    SUM,
                    "How parallel trainers merge each other's parameter deltas: sum (every"
                            + " replica's steps in full; best with frequent exchanges),"
                            + " average-dense (dense parameters averaged, rows summed; degrades"
                            + " less with long intervals) or average (all averaged).",
                    SyncMerge::fromConfigName,
                    SyncMerge::configName);

    /** The name used in configs: lower case, words joined by '-'. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses a config name, ignoring case. */
    public static SyncMerge fromConfigName(String name) {
        for (SyncMerge value : values()) {
            if (value.configName().equalsIgnoreCase(name)) {
                return value;
            }
        }
        throw new IllegalArgumentException("unknown sync merge '" + name + "'");
    }

    @Override
    public String toString() {
        return configName();
    }
}
