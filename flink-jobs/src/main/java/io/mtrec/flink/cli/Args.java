package io.mtrec.flink.cli;

import io.mtrec.flink.config.JobConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Command-line arguments: positional words and {@code --name value} options. A flag without a value
 * ({@code --bounded}) means {@code true}. Option names map to dotted settings by turning dashes
 * into dots ({@code --batch-size} → {@code batch.size}).
 */
public final class Args {
    private final List<String> positional;
    private final Map<String, String> options;

    private Args(List<String> positional, Map<String, String> options) {
        this.positional = Collections.unmodifiableList(positional);
        this.options = options;
    }

    public static Args parse(String[] argv) {
        List<String> positional = new ArrayList<>();
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (a.startsWith("--") && a.length() > 2) {
                String name = a.substring(2);
                String value;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                } else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) {
                    value = argv[++i];
                } else {
                    value = "true";
                }
                options.put(name.replace('-', '.'), value);
            } else {
                positional.add(a);
            }
        }
        return new Args(positional, options);
    }

    public List<String> positional() {
        return positional;
    }

    /** Removes and returns an option, or {@code dflt} when absent. */
    public String take(String name, String dflt) {
        String v = options.remove(name);
        return v == null ? dflt : v;
    }

    public boolean has(String name) {
        return options.containsKey(name);
    }

    public int takeInt(String name, int dflt) {
        String v = take(name, null);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "--" + name.replace('.', '-') + " must be an integer, got '" + v + "'");
        }
    }

    /** Parses durations like {@code 60s}, {@code 2m}, {@code 500ms} or plain seconds. */
    public Duration takeDuration(String name, Duration dflt) {
        String v = take(name, null);
        return v == null ? dflt : parseDuration(name, v);
    }

    static Duration parseDuration(String name, String v) {
        try {
            String t = v.trim().toLowerCase();
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            if (t.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
            }
            if (t.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
            }
            return Duration.ofSeconds(Long.parseLong(t));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "--"
                            + name.replace('.', '-')
                            + " must be a duration such as 60s, 2m or 500ms, got '"
                            + v
                            + "'");
        }
    }

    /** All options not taken yet. */
    public Map<String, String> remaining() {
        return Collections.unmodifiableMap(options);
    }

    /** The job config from {@code --config FILE} (if given) and every remaining option. */
    public JobConfig jobConfig() {
        return jobConfig(Map.of());
    }

    /** As {@link #jobConfig()}, with {@code defaults} beneath the file and the options. */
    public JobConfig jobConfig(Map<String, String> defaults) {
        // Read, not taken: a command may build several configs with different defaults.
        String file = options.get("config");
        Map<String, String> settings = new LinkedHashMap<>(defaults);
        settings.putAll(options);
        settings.remove("config");
        if (file == null) {
            return JobConfig.fromMap(settings);
        }
        try {
            return JobConfig.fromYaml(Path.of(file), settings);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read --config " + file, e);
        }
    }
}
