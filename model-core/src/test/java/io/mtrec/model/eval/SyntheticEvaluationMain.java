package io.mtrec.model.eval;

import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.metrics.MetricsSnapshot;
import io.mtrec.model.synthetic.SyntheticConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs {@link SyntheticEvaluation} from the command line and prints the learner's progressive
 * figures beside the Bayes-optimal ones. Arguments are {@code key=value}: {@code events}, {@code
 * batch}, {@code every} (progress interval), {@code syn.<key>} for a synthetic-stream parameter
 * (e.g. {@code syn.users=10000}), anything else a model parameter. The conversion window defaults
 * to 120 s, as the generator's purchases follow their click within 60 s.
 */
public final class SyntheticEvaluationMain {
    public static void main(String[] args) {
        long events = 300_000;
        int batch = 512;
        long every = 100_000;
        Map<String, String> model = new LinkedHashMap<>();
        Map<String, String> synthetic = new LinkedHashMap<>();
        model.put("conversion.window.ms", "120000");
        for (String arg : args) {
            String[] kv = arg.split("=", 2);
            switch (kv[0]) {
                case "events" -> events = Long.parseLong(kv[1]);
                case "batch" -> batch = Integer.parseInt(kv[1]);
                case "every" -> every = Long.parseLong(kv[1]);
                default -> {
                    if (kv[0].startsWith("syn.")) {
                        synthetic.put(kv[0].substring(4), kv[1]);
                    } else {
                        model.put(kv[0], kv[1]);
                    }
                }
            }
        }
        SyntheticEvaluation evaluation =
                new SyntheticEvaluation(
                        SyntheticConfig.fromMap(synthetic), ModelConfig.fromMap(model), batch);
        SyntheticEvaluation.Result result =
                evaluation.run(events, every, SyntheticEvaluationMain::print);
        System.out.printf(
                "done: %d events in %.1f s (%.0f events/s), skipped batches %d%n",
                result.events(),
                result.seconds(),
                result.events() / result.seconds(),
                result.nanBatchesSkipped());
    }

    private static void print(SyntheticEvaluation.Result r) {
        MetricsSnapshot m = r.model();
        MetricsSnapshot b = r.bayes();
        System.out.printf(
                "%8d ev | click AUC %.4f (bayes %.4f) | purchase AUC %.4f (bayes %.4f) | rating"
                        + " RMSE %.4f (bayes %.4f) | %.1f s%n",
                r.events(),
                m.clickAuc(),
                b.clickAuc(),
                m.purchaseAuc(),
                b.purchaseAuc(),
                m.ratingRmse(),
                b.ratingRmse(),
                r.seconds());
        if (!Double.isNaN(r.taskLogVariances()[0])) {
            System.out.printf(
                    "         learned task log-variances s: click %.3f, purchase %.3f, rating %.3f%n",
                    r.taskLogVariances()[0], r.taskLogVariances()[1], r.taskLogVariances()[2]);
        }
    }
}
