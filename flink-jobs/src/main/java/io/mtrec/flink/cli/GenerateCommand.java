package io.mtrec.flink.cli;

import io.mtrec.flink.config.JobConfig;
import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.metrics.MetricsSnapshot;
import io.mtrec.model.synthetic.SyntheticConfig;
import io.mtrec.model.synthetic.SyntheticGenerator;
import io.mtrec.schemas.TopicKind;
import io.mtrec.schemas.TopicRegistry;

import java.io.PrintStream;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./mtrec generate --bootstrap-servers HOST:PORT --rate N [--events N]}: streams the
 * planted-truth synthetic events into any Kafka cluster (the topics must exist).
 */
public final class GenerateCommand {
    private final PrintStream out;

    public GenerateCommand(PrintStream out) {
        this.out = out;
    }

    public void run(Args args) throws Exception {
        String servers = JobConfig.BOOTSTRAP_SERVERS.parse(args.take("bootstrap.servers", null));
        int rate = args.takeInt("rate", 1000);
        long events = Long.parseLong(args.take("events", "0"));
        int corruptEvery = args.takeInt("corrupt.every", 0);
        Map<String, String> synth = new HashMap<>();
        Map<String, String> topicNames = new HashMap<>();
        for (String key : List.copyOf(args.remaining().keySet())) {
            if (key.startsWith("synthetic.")) {
                synth.put(
                        key.substring("synthetic.".length()).replace('.', '-'),
                        args.take(key, null));
            } else if (key.startsWith("topic.")) {
                topicNames.put(key, args.take(key, null));
            }
        }
        if (!args.remaining().isEmpty()) {
            throw new IllegalArgumentException(
                    "unknown options for generate: " + args.remaining().keySet());
        }
        topicNames.put("bootstrap.servers", servers);
        TopicRegistry topics = JobConfig.fromMap(topicNames).topics();
        SyntheticGenerator generator =
                new SyntheticGenerator(
                        SyntheticConfig.fromMap(synth), ModelConfig.defaults().metricsWindow());
        try (EventProducer producer =
                new EventProducer(generator, servers, topics, rate, events, corruptEvery)) {
            Thread thread = new Thread(producer, "event-producer");
            thread.setDaemon(true);
            Runtime.getRuntime().addShutdownHook(new Thread(producer::stop));
            thread.start();
            out.printf(
                    Locale.ROOT,
                    "generating to %s (%s, %s, %s) at %,d events/s%n",
                    servers,
                    topics.name(TopicKind.CLICKS),
                    topics.name(TopicKind.PURCHASES),
                    topics.name(TopicKind.RATINGS),
                    rate);
            while (thread.isAlive()) {
                thread.join(TimeUnit.SECONDS.toMillis(5));
                MetricsSnapshot bayes = producer.bayes();
                out.printf(
                        Locale.ROOT,
                        "%,d events sent; Bayes-optimal click AUC %.3f, purchase AUC %.3f,"
                                + " rating RMSE %.3f%n",
                        producer.produced(),
                        bayes.clickAuc(),
                        bayes.purchaseAuc(),
                        bayes.ratingRmse());
            }
        }
    }
}
