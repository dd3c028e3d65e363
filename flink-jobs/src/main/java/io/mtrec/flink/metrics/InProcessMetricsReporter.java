package io.mtrec.flink.metrics;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.HistogramStatistics;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * A Flink metric reporter that keeps the job's {@code mtrec} metrics in this JVM, so the demo and
 * the integration tests (which run a MiniCluster in-process) can read gauges and counters and wait
 * on them instead of sleeping. Enable with {@link #configure}.
 */
public final class InProcessMetricsReporter implements MetricReporter {
    private static final String GROUP = ".mtrec.";
    private static final Map<String, Metric> METRICS = new ConcurrentHashMap<>();

    /** Last values of counters whose task ended, so a finished job's counts stay readable. */
    private static final Map<String, Long> RETIRED_COUNTS = new ConcurrentHashMap<>();

    /**
     * Last values of numeric gauges whose task ended, so a finished job's figures stay readable.
     */
    private static final Map<String, Number> RETIRED_GAUGES = new ConcurrentHashMap<>();

    /** Adds this reporter to a Flink configuration map. */
    public static void configure(org.apache.flink.configuration.Configuration conf) {
        conf.setString(
                "metrics.reporter.inprocess.factory.class",
                InProcessMetricsReporterFactory.class.getName());
        conf.setString("metrics.reporter.inprocess.interval", "1 s");
    }

    @Override
    public void open(MetricConfig config) {}

    @Override
    public void close() {}

    @Override
    public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
        String id = group.getMetricIdentifier(name);
        if (id.contains(GROUP)) {
            METRICS.put(id, metric);
            // A restarted task registers the same id again and counts from its restored state.
            RETIRED_COUNTS.remove(id);
            RETIRED_GAUGES.remove(id);
        }
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
        String id = group.getMetricIdentifier(name);
        if (!METRICS.remove(id, metric)) {
            return;
        }
        if (metric instanceof Counter c) {
            RETIRED_COUNTS.put(id, c.getCount());
        } else if (metric instanceof Gauge<?> g && g.getValue() instanceof Number n) {
            RETIRED_GAUGES.put(id, n);
        }
    }

    /**
     * Sum of all counters named {@code mtrec.<name>} over every subtask, including the last values
     * of subtasks that finished; 0 when none.
     */
    public static long counter(String name) {
        return counter(null, name);
    }

    /** As {@link #counter(String)}, over the subtasks of the job named {@code job} only. */
    public static long counter(String job, String name) {
        long sum = 0;
        for (Map.Entry<String, Long> e : RETIRED_COUNTS.entrySet()) {
            if (matches(e.getKey(), job, name)) {
                sum += e.getValue();
            }
        }
        for (Map.Entry<String, Metric> e : METRICS.entrySet()) {
            if (matches(e.getKey(), job, name) && e.getValue() instanceof Counter c) {
                sum += c.getCount();
            }
        }
        return sum;
    }

    /** The numeric value of the first gauge named {@code mtrec.<name>}, if one is registered. */
    public static OptionalDouble gauge(String name) {
        return named(name)
                .filter(m -> m instanceof Gauge<?>)
                .map(m -> ((Gauge<?>) m).getValue())
                .filter(v -> v instanceof Number)
                .mapToDouble(v -> ((Number) v).doubleValue())
                .findFirst();
    }

    /** The registered metrics named {@code mtrec.<name>}, of any subtask. */
    private static Stream<Metric> named(String name) {
        return METRICS.entrySet().stream()
                .filter(e -> e.getKey().endsWith(GROUP + name))
                .map(Map.Entry::getValue);
    }

    /**
     * The statistics of the first histogram named {@code mtrec.<name>} of a running task, if one is
     * registered.
     */
    public static Optional<HistogramStatistics> histogram(String name) {
        return named(name)
                .filter(m -> m instanceof Histogram)
                .map(m -> ((Histogram) m).getStatistics())
                .findFirst();
    }

    /**
     * Sum of the long values of all gauges named {@code mtrec.<name>} over every subtask, including
     * the last values of subtasks that finished; 0 when none. Sums wrap around like Java longs.
     */
    public static long gaugeSum(String name) {
        return gaugeSum(null, name);
    }

    /** As {@link #gaugeSum(String)}, over the subtasks of the job named {@code job} only. */
    public static long gaugeSum(String job, String name) {
        long sum = 0;
        for (Number value : gaugeValues(job, name)) {
            sum += value.longValue();
        }
        return sum;
    }

    /**
     * The numeric values of every gauge named {@code mtrec.<name>} of the job named {@code job},
     * one per subtask, including the last values of subtasks that finished.
     */
    public static List<Double> gauges(String job, String name) {
        return gaugeValues(job, name).stream().map(Number::doubleValue).toList();
    }

    private static List<Number> gaugeValues(String job, String name) {
        List<Number> values = new ArrayList<>();
        for (Map.Entry<String, Number> e : RETIRED_GAUGES.entrySet()) {
            if (matches(e.getKey(), job, name)) {
                values.add(e.getValue());
            }
        }
        for (Map.Entry<String, Metric> e : METRICS.entrySet()) {
            if (matches(e.getKey(), job, name)
                    && e.getValue() instanceof Gauge<?> g
                    && g.getValue() instanceof Number n) {
                values.add(n);
            }
        }
        return values;
    }

    /**
     * Checks {@code condition} on the job's metrics every 100 ms until it holds or {@code timeout}
     * passes; returns whether it held. For in-process callers (the demo, the benchmark, tests) that
     * wait on a running job.
     */
    public static boolean waitFor(BooleanSupplier condition, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        return true;
    }

    /**
     * Whether metric {@code id} is {@code mtrec.<name>} of the job named {@code job} (any job when
     * null): task metric ids hold the job name as one dotted component.
     */
    private static boolean matches(String id, String job, String name) {
        return id.endsWith(GROUP + name) && (job == null || id.contains("." + job + "."));
    }

    /** Forgets every metric, e.g. between two jobs in one JVM. */
    public static void reset() {
        METRICS.clear();
        RETIRED_COUNTS.clear();
        RETIRED_GAUGES.clear();
    }
}
