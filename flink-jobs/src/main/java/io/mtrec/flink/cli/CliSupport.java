package io.mtrec.flink.cli;

import io.mtrec.flink.kafka.EmbeddedKafka;
import io.mtrec.flink.kafka.TopicSpec;
import io.mtrec.flink.metrics.InProcessMetricsReporter;
import io.mtrec.schemas.TopicKind;
import io.mtrec.schemas.TopicRegistry;

import java.util.ArrayList;
import java.util.List;

/** Small pieces the commands that run the job in-process (demo, bench) share. */
final class CliSupport {
    private CliSupport() {}

    /** Creates every topic of {@code topics} with two partitions, compacted where it should be. */
    static void createTopics(EmbeddedKafka kafka, TopicRegistry topics) throws Exception {
        List<TopicSpec> specs = new ArrayList<>();
        for (TopicKind kind : TopicKind.values()) {
            specs.add(new TopicSpec(topics.name(kind), 2, kind.compacted()));
        }
        kafka.createTopics(specs);
    }

    /** The job's gauge {@code mtrec.<name>}, or NaN before the job registered it. */
    static double gauge(String name) {
        return InProcessMetricsReporter.gauge(name).orElse(Double.NaN);
    }

    static Thread daemon(String name, Runnable task) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
