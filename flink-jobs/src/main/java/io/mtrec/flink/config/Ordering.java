package io.mtrec.flink.config;

import java.util.Locale;

/** The order the trainer learns events in ({@code ordering}). */
public enum Ordering {
    /** Event time when the job is bounded (a backfill), arrival otherwise. */
    AUTO,
    /**
     * As the events arrive; a batch closes by size or by {@code batch.timeout.ms}: lowest latency.
     */
    ARRIVAL,
    /**
     * Released in (event time, event id) order as the watermark passes and batched by count, so the
     * model does not depend on how Kafka interleaved the topics.
     */
    EVENT_TIME;

    public static Ordering parse(String text) {
        return valueOf(text.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
