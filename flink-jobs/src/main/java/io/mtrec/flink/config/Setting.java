package io.mtrec.flink.config;

import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One declared job setting: name, default, parser, validator and a line of documentation.
 *
 * @param name dotted name as used in YAML and (with dashes) as a CLI flag
 * @param defaultValue textual default, or null when the setting is required
 * @param allowed what values are allowed, in words, for error messages and docs
 * @param doc one line saying what the setting does
 */
public record Setting<T>(
        String name,
        String defaultValue,
        String allowed,
        String doc,
        Function<String, T> parser,
        Predicate<T> validator) {

    public Setting {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(parser, "parser");
        Objects.requireNonNull(validator, "validator");
    }

    /** The CLI flag of this setting, e.g. {@code --batch-size}. */
    public String flag() {
        return "--" + name.replace('.', '-');
    }

    /**
     * Parses and validates a textual value.
     *
     * @throws IllegalArgumentException naming the setting and what is allowed
     */
    public T parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException(
                    "setting '" + name + "' is required (" + allowed + ")");
        }
        T value;
        try {
            value = parser.apply(text.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "setting '" + name + "' must be " + allowed + ", got '" + text + "'", e);
        }
        if (!validator.test(value)) {
            throw new IllegalArgumentException(
                    "setting '" + name + "' must be " + allowed + ", got '" + text + "'");
        }
        return value;
    }

    static Setting<Integer> intSetting(String name, int dflt, int min, int max, String doc) {
        return new Setting<>(
                name,
                Integer.toString(dflt),
                "an integer in [" + min + ", " + max + "]",
                doc,
                Integer::parseInt,
                v -> v >= min && v <= max);
    }

    static Setting<Long> longSetting(String name, long dflt, long min, long max, String doc) {
        return new Setting<>(
                name,
                Long.toString(dflt),
                "an integer in [" + min + ", " + max + "]",
                doc,
                Long::parseLong,
                v -> v >= min && v <= max);
    }

    static Setting<String> stringSetting(String name, String dflt, String doc) {
        return new Setting<>(
                name, dflt, "a non-blank string", doc, Function.identity(), v -> !v.isBlank());
    }

    static Setting<Boolean> boolSetting(String name, boolean dflt, String doc) {
        return new Setting<>(
                name,
                Boolean.toString(dflt),
                "true or false",
                doc,
                s -> {
                    if (!s.equalsIgnoreCase("true") && !s.equalsIgnoreCase("false")) {
                        throw new IllegalArgumentException(s);
                    }
                    return Boolean.parseBoolean(s);
                },
                v -> true);
    }
}
