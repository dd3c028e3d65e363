package io.mtrec.model.eval;

import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.config.PurchaseTraining;
import io.mtrec.model.metrics.MetricsSnapshot;
import io.mtrec.model.synthetic.SyntheticConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The figures of {@code ./mtrec eval --synthetic}: conversion window 120 s, {@code metrics.window}
 * at least the tail, figures over the last {@code last} events (default 100,000). Arguments as
 * {@link SyntheticEvaluationMain}, plus {@code last} and {@code single=true} (the purchase-only
 * baseline of {@code --compare-single-task}).
 */
public final class QualityEvalMain {
    public static void main(String[] args) {
        long events = 1_000_000;
        int batch = 512;
        long every = 100_000;
        long last = 100_000;
        boolean single = false;
        Map<String, String> model = new LinkedHashMap<>();
        Map<String, String> synthetic = new LinkedHashMap<>();
        model.put("conversion.window.ms", "120000");
        for (String arg : args) {
            String[] kv = arg.split("=", 2);
            switch (kv[0]) {
                case "events" -> events = Long.parseLong(kv[1]);
                case "batch" -> batch = Integer.parseInt(kv[1]);
                case "every" -> every = Long.parseLong(kv[1]);
                case "last" -> last = Long.parseLong(kv[1]);
                case "single" -> single = Boolean.parseBoolean(kv[1]);
                default -> {
                    if (kv[0].startsWith("syn.")) {
                        synthetic.put(kv[0].substring(4), kv[1]);
                    } else {
                        model.put(kv[0], kv[1]);
                    }
                }
            }
        }
        model.putIfAbsent(
                "metrics.window",
                Long.toString(Math.max(ModelConfig.METRICS_WINDOW.defaultValue(), last)));
        ModelConfig config = ModelConfig.fromMap(model);
        SyntheticConfig syn = SyntheticConfig.fromMap(synthetic);
        SyntheticEvaluation.Result r =
                new SyntheticEvaluation(syn, config, batch)
                        .run(events, last, every, QualityEvalMain::print);
        System.out.print("FINAL ");
        print(r);
        if (single) {
            ModelConfig purchaseOnly =
                    config.toBuilder()
                            .set(ModelConfig.LOSS_WEIGHT_CLICK, 0.0)
                            .set(ModelConfig.LOSS_WEIGHT_RATING, 0.0)
                            .set(ModelConfig.NEGATIVES_PER_POSITIVE, 0)
                            .set(ModelConfig.PURCHASE_TRAINING, PurchaseTraining.CLICK_SPACE)
                            .set(ModelConfig.PURCHASE_PRIVATE_FRACTION, 0.0)
                            .build();
            SyntheticEvaluation.Result s =
                    new SyntheticEvaluation(syn, purchaseOnly, batch).run(events, last, 0, null);
            System.out.printf("SINGLE purchase AUC %.4f%n", s.model().purchaseAuc());
        }
    }

    private static void print(SyntheticEvaluation.Result r) {
        MetricsSnapshot m = r.model();
        MetricsSnapshot b = r.bayes();
        System.out.printf(
                "%8d ev | click %.4f (%.4f) | purchase %.4f (%.4f) | rating %.4f (%.4f) | %.1f s%n",
                r.events(),
                m.clickAuc(),
                b.clickAuc(),
                m.purchaseAuc(),
                b.purchaseAuc(),
                m.ratingRmse(),
                b.ratingRmse(),
                r.seconds());
    }
}
