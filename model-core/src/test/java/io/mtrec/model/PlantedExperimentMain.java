package io.mtrec.model;

import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.metrics.MetricsSnapshot;
import io.mtrec.model.metrics.WindowedBinaryMetrics;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains on a {@link PlantedWorld} and prints progressive metrics next to the planted truth's
 * (Bayes) AUC and log-loss; used to choose defaults. Arguments are {@code key=value}: {@code
 * batches}, {@code batchSize}, {@code users}, {@code items}, or any model parameter.
 */
public final class PlantedExperimentMain {
    public static void main(String[] args) {
        Map<String, String> overrides = new LinkedHashMap<>();
        int batches = 3000;
        int batchSize = 64;
        int users = 50;
        int items = 30;
        for (String arg : args) {
            String[] kv = arg.split("=", 2);
            switch (kv[0]) {
                case "batches" -> batches = Integer.parseInt(kv[1]);
                case "batchSize" -> batchSize = Integer.parseInt(kv[1]);
                case "users" -> users = Integer.parseInt(kv[1]);
                case "items" -> items = Integer.parseInt(kv[1]);
                default -> overrides.put(kv[0], kv[1]);
            }
        }
        overrides.putIfAbsent("metrics.window", "5000");
        ModelConfig config = ModelConfig.fromMap(overrides);
        MultiTaskLearner learner = new MultiTaskLearner(config);
        PlantedWorld world = new PlantedWorld(users, items, 3, 7, 0.2);
        WindowedBinaryMetrics bayes = new WindowedBinaryMetrics(config.metricsWindow());
        long start = System.nanoTime();
        for (int b = 1; b <= batches; b++) {
            List<Interaction> events = world.nextBatch(batchSize);
            for (Interaction e : events) {
                if (e.kind() == Interaction.Kind.CLICK || e.kind() == Interaction.Kind.IMPRESSION) {
                    bayes.add(world.clickProbability(e), e.kind() == Interaction.Kind.CLICK);
                }
            }
            BatchResult r = learner.learn(events);
            if (b % (batches / 6) == 0) {
                MetricsSnapshot m = learner.metrics();
                System.out.printf(
                        "batch %5d loss %.4f |g| %.3f clickAUC %.4f (bayes %.4f) ll %.4f (bayes %.4f) purchAUC %.4f rmse %.4f%n",
                        b,
                        r.loss(),
                        r.gradientNorm(),
                        m.clickAuc(),
                        bayes.auc(),
                        m.clickLogLoss(),
                        bayes.logLoss(),
                        m.purchaseAuc(),
                        m.ratingRmse());
            }
        }
        System.out.printf(
                "%.1f s, skipped %d%n",
                (System.nanoTime() - start) / 1e9, learner.nanBatchesSkipped());
    }
}
