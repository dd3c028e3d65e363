package io.mtrec.flink.cli;

import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.config.PurchaseTraining;
import io.mtrec.model.eval.ReplicatedSyntheticEvaluation;
import io.mtrec.model.eval.SyntheticEvaluation;
import io.mtrec.model.sync.SyncMerge;
import io.mtrec.model.synthetic.SyntheticConfig;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./mtrec eval --synthetic [--users N] [--items N] [--latent-dim L] [--events N]
 * [--batch-size B] [--last-events N] [--compare-single-task] [--summary FILE] [--replicas K]
 * [--sync-every N] [--sync-merge sum|average-dense|average] [--model-* V]}: trains model-core on
 * the planted-truth stream without Flink and reports the progressive metrics of the last N events
 * (default 100,000) beside the Bayes-optimal ones of the same events. With {@code --replicas K} > 1
 * it simulates K parallel trainers, each owning the users that hash to it and exchanging parameter
 * deltas every N of its batches (default 10), and reports their pooled predictions ({@link
 * ReplicatedSyntheticEvaluation}).
 */
public final class EvalCommand {
    private final PrintStream out;

    public EvalCommand(PrintStream out) {
        this.out = out;
    }

    public Map<String, Object> run(Args args) throws Exception {
        if (!Boolean.parseBoolean(args.take("synthetic", "false"))) {
            throw new IllegalArgumentException(
                    "eval needs a data source; only --synthetic exists so far");
        }
        long events = Long.parseLong(args.take("events", "1000000"));
        long lastEvents = Long.parseLong(args.take("last.events", "100000"));
        int batchSize = args.takeInt("batch.size", 512);
        boolean compare = Boolean.parseBoolean(args.take("compare.single.task", "false"));
        int replicas = args.takeInt("replicas", 1);
        int syncEvery = args.takeInt("sync.every", 10);
        SyncMerge merge =
                SyncMerge.PARAM.parse(
                        args.take(
                                SyncMerge.PARAM.name(),
                                SyncMerge.PARAM.defaultValue().configName()));
        String summaryFile = args.take("summary", null);
        Map<String, String> synth = new HashMap<>();
        for (String key : List.of("users", "items", "latent.dim", "seed")) {
            String v = args.take(key, null);
            if (v != null) {
                synth.put(key.replace('.', '-'), v);
            }
        }
        Map<String, String> model = new HashMap<>();
        for (String key : List.copyOf(args.remaining().keySet())) {
            if (key.startsWith("synthetic.")) {
                synth.put(
                        key.substring("synthetic.".length()).replace('.', '-'),
                        args.take(key, null));
            } else if (key.startsWith("model.")) {
                model.put(key.substring("model.".length()), args.take(key, null));
            }
        }
        if (!args.remaining().isEmpty()) {
            throw new IllegalArgumentException(
                    "unknown options for eval: " + args.remaining().keySet());
        }
        SyntheticConfig syntheticConfig = SyntheticConfig.fromMap(synth);
        model.putIfAbsent("conversion.window.ms", "120000");
        // Every task records at most one prediction per event, so a window of the tail's length
        // holds all of the tail's predictions.
        model.putIfAbsent(
                "metrics.window",
                Long.toString(Math.max(ModelConfig.METRICS_WINDOW.defaultValue(), lastEvents)));
        ModelConfig modelConfig = ModelConfig.fromMap(model);
        out.printf(
                Locale.ROOT,
                "eval: %,d events, %d users, %d items, latent dim %d, batch %d%n",
                events,
                syntheticConfig.users(),
                syntheticConfig.items(),
                syntheticConfig.latentDim(),
                batchSize);

        Map<String, Object> summary = new LinkedHashMap<>();
        SyntheticEvaluation.Result r;
        if (replicas > 1) {
            out.printf(
                    Locale.ROOT,
                    "%d replicas, deltas exchanged every %d batches per replica (sync.merge=%s)%n",
                    replicas,
                    syncEvery,
                    merge);
            ReplicatedSyntheticEvaluation.Result replicated =
                    new ReplicatedSyntheticEvaluation(
                                    syntheticConfig,
                                    modelConfig,
                                    batchSize,
                                    replicas,
                                    syncEvery,
                                    merge)
                            .run(events, lastEvents);
            r = replicated.figures();
            print(r);
            summary.put("replicas", replicas);
            summary.put("sync_every", syncEvery);
            summary.put("sync_merge", merge.configName());
            summary.put("sync_rounds", replicated.syncRounds());
            summary.put("mean_delta_bytes", Math.round(replicated.meanDeltaBytes()));
        } else {
            r =
                    new SyntheticEvaluation(syntheticConfig, modelConfig, batchSize)
                            .run(events, lastEvents, Math.max(1, events / 10), this::print);
        }
        summary.put("events", r.events());
        summary.put("events_per_sec", Math.round(r.events() / r.seconds()));
        summary.put("click_auc", round(r.model().clickAuc()));
        summary.put("click_auc_bayes", round(r.bayes().clickAuc()));
        summary.put("purchase_auc", round(r.model().purchaseAuc()));
        summary.put("purchase_auc_bayes", round(r.bayes().purchaseAuc()));
        summary.put("rating_rmse", round(r.model().ratingRmse()));
        summary.put("rating_rmse_bayes", round(r.bayes().ratingRmse()));
        summary.put("nan_batches_skipped", r.nanBatchesSkipped());
        if (compare) {
            // The classic single-task conversion model: BCE on pCVR over resolved clicks (ESMM's
            // CTCVR loss would still train the click head), every value of a row its own.
            ModelConfig purchaseOnly =
                    modelConfig.toBuilder()
                            .set(ModelConfig.LOSS_WEIGHT_CLICK, 0.0)
                            .set(ModelConfig.LOSS_WEIGHT_RATING, 0.0)
                            .set(ModelConfig.NEGATIVES_PER_POSITIVE, 0)
                            .set(ModelConfig.PURCHASE_TRAINING, PurchaseTraining.CLICK_SPACE)
                            .set(ModelConfig.PURCHASE_PRIVATE_FRACTION, 0.0)
                            .build();
            out.println("single-task baseline: the same stream, purchase (click-space) loss only");
            SyntheticEvaluation.Result single =
                    new SyntheticEvaluation(syntheticConfig, purchaseOnly, batchSize)
                            .run(events, lastEvents, 0, null);
            summary.put("single_task_purchase_auc", round(single.model().purchaseAuc()));
        }
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        out.println(json.writeValueAsString(summary));
        if (summaryFile != null) {
            json.writeValue(Path.of(summaryFile).toFile(), summary);
        }
        return summary;
    }

    private void print(SyntheticEvaluation.Result r) {
        out.printf(
                Locale.ROOT,
                "%,10d events %6.1fs  click AUC %.4f (bayes %.4f)  purchase AUC %.4f (bayes %.4f)"
                        + "  rating RMSE %.4f (bayes %.4f)%n",
                r.events(),
                r.seconds(),
                r.model().clickAuc(),
                r.bayes().clickAuc(),
                r.model().purchaseAuc(),
                r.bayes().purchaseAuc(),
                r.model().ratingRmse(),
                r.bayes().ratingRmse());
    }

    private static double round(double v) {
        return Double.isFinite(v) ? Math.round(v * 10_000) / 10_000.0 : v;
    }
}
