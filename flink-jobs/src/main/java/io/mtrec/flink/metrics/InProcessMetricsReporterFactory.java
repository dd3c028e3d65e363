package io.mtrec.flink.metrics;

import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

import java.util.Properties;

/** Creates {@link InProcessMetricsReporter}s; found by Flink through the service loader. */
public final class InProcessMetricsReporterFactory implements MetricReporterFactory {
    @Override
    public MetricReporter createMetricReporter(Properties properties) {
        return new InProcessMetricsReporter();
    }
}
