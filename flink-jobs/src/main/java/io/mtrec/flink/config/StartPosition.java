package io.mtrec.flink.config;

import java.io.Serializable;
import java.time.Instant;

/**
 * Where the job starts reading the event topics: the earliest offsets, the latest, the group's
 * committed offsets, or the first offsets at or after a timestamp.
 */
public record StartPosition(Mode mode, long timestampMillis) implements Serializable {

    /** How the starting offsets are chosen. */
    public enum Mode {
        EARLIEST,
        LATEST,
        COMMITTED,
        TIMESTAMP
    }

    /** Parses {@code earliest}, {@code latest}, {@code committed}, epoch millis or ISO-8601. */
    public static StartPosition parse(String text) {
        switch (text.toLowerCase()) {
            case "earliest":
                return new StartPosition(Mode.EARLIEST, -1);
            case "latest":
                return new StartPosition(Mode.LATEST, -1);
            case "committed":
                return new StartPosition(Mode.COMMITTED, -1);
            default:
                long millis =
                        text.chars().allMatch(Character::isDigit)
                                ? Long.parseLong(text)
                                : Instant.parse(text).toEpochMilli();
                return new StartPosition(Mode.TIMESTAMP, millis);
        }
    }
}
