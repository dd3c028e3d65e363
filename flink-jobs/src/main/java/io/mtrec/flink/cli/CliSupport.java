package io.mtrec.flink.cli;

import io.mtrec.flink.kafka.EmbeddedKafka;
import io.mtrec.flink.kafka.TopicSpec;
import io.mtrec.flink.metrics.InProcessMetricsReporter;
import io.mtrec.schemas.TopicKind;
import io.mtrec.schemas.TopicRegistry;

import org.apache.flink.core.execution.JobClient;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

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

    /**
     * Cancels {@code job} and waits until it has stopped: the cancel call returns once asked, while
     * tasks and their last asynchronous checkpoint may still be writing.
     */
    static void cancelAndWait(JobClient job) throws Exception {
        job.cancel().get(30, TimeUnit.SECONDS);
        try {
            job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException cancelled) {
            // the expected end of a cancelled job
        }
    }

    static Thread daemon(String name, Runnable task) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
