package io.mtrec.model.bench;

import io.mtrec.model.config.Architecture;

import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Runs {@link LearnerStepBenchmark} through the JMH {@link Runner} API and returns one row per
 * (batch, d, k, architecture) point. Needs {@code jmh-core} on the class path at run time (it is a
 * provided dependency of model-core).
 *
 * <p>Forked runs (the default) start a JVM per point with this JVM's class path ({@code
 * java.class.path}) and its arguments, so heap and ND4J native-memory caps carry over.
 */
public final class ModelBenchmarks {
    private ModelBenchmarks() {}

    /**
     * How long and how often to measure.
     *
     * @param forks JVMs per point; 0 runs in this JVM (JIT profiles then mix across points)
     * @param batches batch sizes to run; empty for the benchmark's own list
     * @param dims embedding widths to run; empty for the benchmark's own list
     * @param architectures {@code shared-bottom} and/or {@code mmoe}; empty for both
     */
    public record Settings(
            int forks,
            int warmupIterations,
            TimeValue warmupTime,
            int measurementIterations,
            TimeValue measurementTime,
            List<String> batches,
            List<String> dims,
            List<String> architectures) {

        /**
         * Settings for the shared bottom only, as before the architecture existed: callers that key
         * results by (batch, d) alone keep one row per key.
         */
        public Settings(
                int forks,
                int warmupIterations,
                TimeValue warmupTime,
                int measurementIterations,
                TimeValue measurementTime,
                List<String> batches,
                List<String> dims) {
            this(
                    forks,
                    warmupIterations,
                    warmupTime,
                    measurementIterations,
                    measurementTime,
                    batches,
                    dims,
                    List.of(Architecture.SHARED_BOTTOM.configName()));
        }

        /** Forked, 3 x 2 s warm-up, 5 x 2 s measured, every point. */
        public static Settings full() {
            return new Settings(
                    1,
                    3,
                    TimeValue.seconds(2),
                    5,
                    TimeValue.seconds(2),
                    List.of(),
                    List.of(),
                    List.of());
        }

        /**
         * A smoke run: forked, 1 x 1 s warm-up, 3 x 1 s measured (the fewest iterations JMH gives
         * an error for); the figures are rough.
         */
        public static Settings quick() {
            return new Settings(
                    1,
                    1,
                    TimeValue.seconds(1),
                    3,
                    TimeValue.seconds(1),
                    List.of(),
                    List.of(),
                    List.of());
        }
    }

    /**
     * One benchmark point: mean and the half-width of JMH's 99.9% confidence interval (NaN when too
     * few iterations to compute one), per second on one thread.
     */
    public record StepResult(
            int batch,
            int dim,
            int negatives,
            String architecture,
            double stepsPerSec,
            double stepsPerSecError,
            double eventsPerSec,
            double eventsPerSecError,
            double examplesPerSec,
            double examplesPerSecError) {}

    /** Runs the step benchmark; the rows are ordered by architecture, then d, then batch. */
    public static List<StepResult> runStep(Settings settings) throws RunnerException {
        ChainedOptionsBuilder options =
                new OptionsBuilder()
                        .include(
                                "^"
                                        + LearnerStepBenchmark.class.getName().replace(".", "\\.")
                                        + "\\.learn$")
                        .forks(settings.forks())
                        .threads(1)
                        .warmupIterations(settings.warmupIterations())
                        .warmupTime(settings.warmupTime())
                        .measurementIterations(settings.measurementIterations())
                        .measurementTime(settings.measurementTime())
                        .shouldFailOnError(true);
        if (settings.forks() > 0) {
            options.jvmArgs(
                    ManagementFactory.getRuntimeMXBean()
                            .getInputArguments()
                            .toArray(String[]::new));
        }
        if (!settings.batches().isEmpty()) {
            options.param("batch", settings.batches().toArray(String[]::new));
        }
        if (!settings.dims().isEmpty()) {
            options.param("dim", settings.dims().toArray(String[]::new));
        }
        if (!settings.architectures().isEmpty()) {
            options.param("architecture", settings.architectures().toArray(String[]::new));
        }
        Collection<RunResult> runs = new Runner(options.build()).run();
        List<StepResult> rows = new ArrayList<>();
        for (RunResult run : runs) {
            var params = run.getParams();
            Result<?> steps = run.getPrimaryResult();
            Result<?> events = run.getSecondaryResults().get("events");
            Result<?> examples = run.getSecondaryResults().get("examples");
            rows.add(
                    new StepResult(
                            Integer.parseInt(params.getParam("batch")),
                            Integer.parseInt(params.getParam("dim")),
                            Integer.parseInt(params.getParam("negatives")),
                            params.getParam("architecture"),
                            steps.getScore(),
                            steps.getScoreError(),
                            events.getScore(),
                            events.getScoreError(),
                            examples.getScore(),
                            examples.getScoreError()));
        }
        rows.sort(
                Comparator.comparing(
                                (StepResult r) ->
                                        Architecture.fromConfigName(r.architecture()).ordinal())
                        .thenComparingInt(StepResult::dim)
                        .thenComparingInt(StepResult::batch));
        return rows;
    }
}
