package io.mtrec.model.eval;

import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.metrics.MetricsSnapshot;
import io.mtrec.model.sync.SyncMerge;
import io.mtrec.model.synthetic.SyntheticConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs {@link ReplicatedSyntheticEvaluation} from the command line for several replica counts and
 * prints the pooled progressive figures of the tail. Arguments are {@code key=value}: {@code
 * events}, {@code tail}, {@code batch}, {@code replicas} (comma-separated K values, default 1,2,4),
 * {@code sync-every} (batches per replica between exchanges), {@code syn.<key>} for a
 * synthetic-stream parameter, {@code sync.merge} (sum, average-dense, average), anything else a
 * model parameter.
 */
public final class ReplicatedEvaluationMain {
    public static void main(String[] args) {
        long events = 300_000;
        long tail = 100_000;
        int batch = 512;
        int syncEvery = 1;
        String replicas = "1,2,4";
        SyncMerge merge = SyncMerge.PARAM.defaultValue();
        Map<String, String> model = new LinkedHashMap<>();
        Map<String, String> synthetic = new LinkedHashMap<>();
        model.put("conversion.window.ms", "120000");
        for (String arg : args) {
            String[] kv = arg.split("=", 2);
            switch (kv[0]) {
                case "events" -> events = Long.parseLong(kv[1]);
                case "tail" -> tail = Long.parseLong(kv[1]);
                case "batch" -> batch = Integer.parseInt(kv[1]);
                case "sync-every" -> syncEvery = Integer.parseInt(kv[1]);
                case "replicas" -> replicas = kv[1];
                case "sync.merge" -> merge = SyncMerge.PARAM.parse(kv[1]);
                default -> {
                    if (kv[0].startsWith("syn.")) {
                        synthetic.put(kv[0].substring(4), kv[1]);
                    } else {
                        model.put(kv[0], kv[1]);
                    }
                }
            }
        }
        model.putIfAbsent("metrics.window", Long.toString(Math.max(20_000, tail)));
        ModelConfig config = ModelConfig.fromMap(model);
        System.out.printf(
                "%d events, tail %d, batch %d, sync every %d batches per replica, sync.merge=%s,"
                        + " %s%n",
                events, tail, batch, syncEvery, merge, model);
        for (String k : replicas.split(",")) {
            ReplicatedSyntheticEvaluation.Result r =
                    new ReplicatedSyntheticEvaluation(
                                    SyntheticConfig.fromMap(synthetic),
                                    config,
                                    batch,
                                    Integer.parseInt(k.trim()),
                                    syncEvery,
                                    merge)
                            .run(events, tail);
            MetricsSnapshot m = r.figures().model();
            MetricsSnapshot b = r.figures().bayes();
            System.out.printf(
                    "K=%s | click AUC %.4f (bayes %.4f) | purchase AUC %.4f (bayes %.4f) | rating"
                            + " RMSE %.4f (bayes %.4f) | %d rounds, %.0f B/delta | %.1f s%n",
                    k,
                    m.clickAuc(),
                    b.clickAuc(),
                    m.purchaseAuc(),
                    b.purchaseAuc(),
                    m.ratingRmse(),
                    b.ratingRmse(),
                    r.syncRounds(),
                    r.meanDeltaBytes(),
                    r.figures().seconds());
        }
    }
}
