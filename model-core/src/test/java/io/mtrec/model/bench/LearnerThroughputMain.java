package io.mtrec.model.bench;

import io.mtrec.model.Interaction;
import io.mtrec.model.MultiTaskLearner;
import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.layers.Nd4jRuntime;
import io.mtrec.model.sampling.SplitMix64;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Single-thread training throughput of {@link MultiTaskLearner#learn}: events per second at a given
 * batch size, over pre-generated events (generation is not timed), after a warm-up.
 *
 * <p>Arguments {@code key=value}: {@code batch} (1024), {@code batches} (400), {@code warmup}
 * (100), {@code users} (100000), {@code items} (20000), {@code topUsers} (200, users timed in topK
 * after as many warm-up calls), or any model parameter. Event mix: 85% impressions of which 10% are
 * clicks, 5% purchases, 10% ratings, uniform users, Zipf-like items.
 */
public final class LearnerThroughputMain {
    public static void main(String[] args) {
        Map<String, String> model = new LinkedHashMap<>();
        int batch = 1024;
        int batches = 400;
        int warmup = 100;
        int users = 100_000;
        int items = 20_000;
        int topUsers = 200;
        for (String arg : args) {
            String[] kv = arg.split("=", 2);
            switch (kv[0]) {
                case "batch" -> batch = Integer.parseInt(kv[1]);
                case "batches" -> batches = Integer.parseInt(kv[1]);
                case "warmup" -> warmup = Integer.parseInt(kv[1]);
                case "users" -> users = Integer.parseInt(kv[1]);
                case "items" -> items = Integer.parseInt(kv[1]);
                case "topUsers" -> topUsers = Integer.parseInt(kv[1]);
                default -> model.put(kv[0], kv[1]);
            }
        }
        ModelConfig config = ModelConfig.fromMap(model);
        List<List<Interaction>> data = generate(warmup + batches, batch, users, items);
        MultiTaskLearner learner = new MultiTaskLearner(config);
        for (int b = 0; b < warmup; b++) {
            learner.learn(data.get(b));
        }
        long events = 0;
        long examples = 0;
        long start = System.nanoTime();
        for (int b = warmup; b < warmup + batches; b++) {
            var result = learner.learn(data.get(b));
            events += result.events();
            examples += result.examples() + result.sampledNegatives();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(
                "d=%d hidden=%d layers=%d batch=%d optimizer=%s blasThreads=%d%n",
                config.embeddingDim(),
                config.bottomHidden(),
                config.bottomLayers(),
                batch,
                config.optimizer(),
                Nd4jRuntime.blasThreads());
        System.out.printf(
                "%d events (%d examples incl. sampled negatives) in %.2f s: %.0f events/s,"
                        + " %.0f examples/s, %.3f ms/batch; users %d items %d%n",
                events,
                examples,
                seconds,
                events / seconds,
                examples / seconds,
                seconds * 1e3 / batches,
                learner.userCount(),
                learner.itemCount());
        if (topUsers == 0) {
            return;
        }
        for (int u = 0; u < topUsers; u++) {
            learner.topK("u" + (users - 1 - u), 20); // warm-up
        }
        long topStart = System.nanoTime();
        for (int u = 0; u < topUsers; u++) {
            learner.topK("u" + u, 20);
        }
        System.out.printf(
                "topK(20) over %d items: %.2f ms/user%n",
                learner.itemCount(), (System.nanoTime() - topStart) / 1e6 / topUsers);
    }

    static List<List<Interaction>> generate(int batches, int size, int users, int items) {
        SplitMix64 rng = new SplitMix64(1L);
        List<List<Interaction>> data = new ArrayList<>(batches);
        long time = 0;
        long id = 0;
        for (int b = 0; b < batches; b++) {
            List<Interaction> events = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                String user = "u" + rng.nextInt(users);
                // Popularity skew: squaring a uniform concentrates mass on low item numbers.
                double r = rng.nextDouble();
                String item = "i" + (int) (r * r * items);
                String eventId = "e" + id++;
                time += 10;
                double kind = rng.nextDouble();
                if (kind < 0.85) {
                    events.add(
                            rng.nextDouble() < 0.1
                                    ? Interaction.click(eventId, user, item, time)
                                    : Interaction.impression(eventId, user, item, time));
                } else if (kind < 0.90) {
                    events.add(Interaction.purchase(eventId, user, item, time));
                } else {
                    events.add(Interaction.rating(eventId, user, item, time, 1 + rng.nextInt(5)));
                }
            }
            data.add(events);
        }
        return data;
    }
}
