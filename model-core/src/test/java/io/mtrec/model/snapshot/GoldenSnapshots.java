package io.mtrec.model.snapshot;

import io.mtrec.model.Interaction;
import io.mtrec.model.MultiTaskLearner;
import io.mtrec.model.config.Architecture;
import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.config.NegativeSamplerKind;
import io.mtrec.model.config.OptimizerKind;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes the golden snapshot files kept in {@code src/test/resources/snapshots/}. Run it from the
 * model-core directory when a new format version is introduced, and commit the new file next to the
 * old ones, which must stay readable. It writes the current format's file ({@link #FORMAT_3}):
 *
 * <pre>
 * java -cp target/classes:target/test-classes:$(deps) io.mtrec.model.snapshot.GoldenSnapshots
 * </pre>
 */
public final class GoldenSnapshots {
    /** Golden file written by the format-1 writer (kept; no longer regenerated). */
    public static final String FORMAT_1 = "snapshots/format-1.bin";

    /**
     * Golden file written by the format-2 writer (per-task row biases, scored pending clicks; kept,
     * no longer regenerated).
     */
    public static final String FORMAT_2 = "snapshots/format-2.bin";

    /**
     * Golden file written by the format-3 writer: an MMoE model (architecture in the config,
     * experts' and gates' params) with ESMM purchase training, a TTL sweep clock, cold rows,
     * sighting counts, item text features and projection, optimizer step counts and popularity
     * sampler counts.
     */
    public static final String FORMAT_3 = "snapshots/format-3.bin";

    private GoldenSnapshots() {}

    /**
     * The small, fully specified shared-bottom model the format-1 and format-2 golden files hold
     * (format 3 holds {@link #goldenLearnerWithEmbeddingOptions()}).
     */
    public static MultiTaskLearner goldenLearner() {
        return goldenLearner(goldenConfig().build());
    }

    /**
     * The configuration of the golden model: a shared bottom with uniform negatives and no
     * purchase-private values; the other settings at today's defaults (older files were written
     * with older defaults).
     */
    public static ModelConfig.Builder goldenConfig() {
        return ModelConfig.builder()
                .embeddingDim(4)
                .bottomHidden(6)
                .negativesPerPositive(2)
                .negativesWeight(0.25)
                .negativesSampler(NegativeSamplerKind.UNIFORM)
                .purchasePrivateFraction(0.0)
                .optimizer(OptimizerKind.ADAGRAD)
                .conversionWindowMs(1_000)
                .metricsWindow(50)
                .seed(7L);
    }

    /** The golden model's events learned under {@code config}. */
    public static MultiTaskLearner goldenLearner(ModelConfig config) {
        return learnGoldenEvents(new MultiTaskLearner(config));
    }

    /** The events every golden file's model learned, in its batches. */
    private static MultiTaskLearner learnGoldenEvents(MultiTaskLearner learner) {
        learner.learn(
                List.of(
                        Interaction.impression("e1", "alice", "book", 1_000),
                        Interaction.click("e2", "alice", "lamp", 1_100),
                        Interaction.click("e3", "bob", "book", 1_200),
                        Interaction.rating("e4", "bob", "lamp", 1_300, 4f)));
        learner.learn(
                List.of(
                        Interaction.purchase("e5", "alice", "lamp", 1_500),
                        Interaction.impression("e6", "carol", "mug", 1_600),
                        Interaction.click("e7", "carol", "book", 2_500)));
        // bob's click on book (t=1200) expires here: a purchase negative. carol's stays pending.
        learner.advanceEventTime(2_600);
        learner.learn(List.of(Interaction.rating("e8", "alice", "mug", 2_700, 2f)));
        return learner;
    }

    /**
     * The format-3 golden model: the same events as {@link #goldenLearner()}, on an MMoE network (2
     * experts of width 3), with a 1 s TTL (the sweep before the last batch evicts lamp and alice's
     * first row), admission after two sightings (alice returns to the cold row with a sighting
     * count) and two items with 2-value text embeddings.
     */
    public static MultiTaskLearner goldenLearnerWithEmbeddingOptions() {
        ModelConfig config =
                ModelConfig.builder()
                        .embeddingDim(4)
                        .bottomHidden(6)
                        .negativesPerPositive(2)
                        .negativesWeight(0.25)
                        .conversionWindowMs(1_000)
                        .metricsWindow(50)
                        .seed(7L)
                        .negativesSampler(NegativeSamplerKind.POPULARITY)
                        .negativesLogqCorrection(true)
                        .architecture(Architecture.MMOE)
                        .mmoeExperts(2)
                        .mmoeExpertHidden(3)
                        .embeddingTtlMs(1_000)
                        .admissionMinCount(2)
                        .itemTextDim(2)
                        .build();
        MultiTaskLearner learner = new MultiTaskLearner(config);
        learner.updateItemProfile("book", new float[] {0.5f, -1f});
        learner.updateItemProfile("lamp", new float[] {1f, 0.25f});
        return learnGoldenEvents(learner);
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "src/test/resources");
        Path file = dir.resolve(FORMAT_3);
        Files.createDirectories(file.getParent());
        Files.write(file, goldenLearnerWithEmbeddingOptions().toSnapshotBytes());
        System.out.println("wrote " + file + " (" + Files.size(file) + " bytes)");
    }
}
