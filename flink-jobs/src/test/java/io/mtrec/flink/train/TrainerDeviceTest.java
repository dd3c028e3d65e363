package io.mtrec.flink.train;

import io.mtrec.flink.sinks.OutboundRecord;
import io.mtrec.model.Interaction;
import io.mtrec.model.compute.ComputeDevice;
import io.mtrec.model.config.ComputeBackend;
import io.mtrec.model.config.ModelConfig;

import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The GPUs come from Flink's external-resource path (a task manager's {@code
 * ExternalResourceInfoProvider} read through the operator's runtime context) with GPU infos shaped
 * like the GPU plugin's: one {@code index} property each. The plugin itself ships only in Flink's
 * distribution (not on Maven Central), so its discovery script is not run here.
 */
class TrainerDeviceTest {

    /** A GPU as Flink's GPU plugin describes it. */
    private record Gpu(String index) implements ExternalResourceInfo {
        @Override
        public Optional<String> getProperty(String key) {
            return "index".equals(key) ? Optional.of(index) : Optional.empty();
        }

        @Override
        public Collection<String> getKeys() {
            return List.of("index");
        }
    }

    private static TrainerSettings settings(String backend, String device) {
        HashMap<String, String> model = new HashMap<>(ModelConfig.defaults().toMap());
        model.put("embedding.dim", "8");
        model.put("bottom.hidden", "8");
        HashMap<String, String> compute =
                new HashMap<>(Map.of("compute.backend", backend, "compute.device", device));
        return new TrainerSettings(4, 1_000, 3, 100, 10_000, "test", model, compute);
    }

    private static MockEnvironment taskManagerWithGpus(Set<ExternalResourceInfo> gpus) {
        return new MockEnvironmentBuilder()
                .setExternalResourceInfoProvider(
                        name -> TrainerDevice.GPU_RESOURCE.equals(name) ? gpus : Set.of())
                .build();
    }

    /** A harness keyed by user, as the job keys the trainer, on a task manager {@code env}. */
    private static AbstractStreamOperatorTestHarness<OutboundRecord> keyedHarness(
            MiniBatchTrainerOperator operator, MockEnvironment env) throws Exception {
        var h = new AbstractStreamOperatorTestHarness<>(operator, env);
        KeySelector<Interaction, String> byUser = Interaction::userId;
        h.getStreamConfig().setStatePartitioner(0, byUser);
        h.getStreamConfig().setStateKeySerializer(StringSerializer.INSTANCE);
        h.getStreamConfig().serializeAllConfigs();
        return h;
    }

    @Test
    void noGpuOnTheTaskManagerAssignsNone() {
        assertThat(TrainerDevice.assignedGpu(Set.of(), 0)).isEmpty();
    }

    @Test
    void subtasksTakeTheTaskManagersGpusInIndexOrderModuloTheirCount() {
        Set<ExternalResourceInfo> gpus = Set.of(new Gpu("3"), new Gpu("1"));
        assertThat(TrainerDevice.assignedGpu(gpus, 0)).hasValue(1);
        assertThat(TrainerDevice.assignedGpu(gpus, 1)).hasValue(3);
        assertThat(TrainerDevice.assignedGpu(gpus, 2)).hasValue(1);
    }

    @Test
    void aGpuWithoutAnIntegerIndexIsRejectedNamingTheResource() {
        assertThatThrownBy(() -> TrainerDevice.assignedGpu(Set.of(new Gpu("GPU-5f3a")), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "external resource 'gpu' has a non-integer index 'GPU-5f3a'; a discovery"
                                + " script must print GPU indices such as 0,1");
    }

    @Test
    void trainerReadsTheGpuFromItsRuntimeContextAndOnTheCpuBuildComputesOnCpuDeviceZero()
            throws Exception {
        MiniBatchTrainerOperator operator = new MiniBatchTrainerOperator(settings("auto", "0"));
        try (MockEnvironment env = taskManagerWithGpus(Set.of(new Gpu("2")));
                var h = keyedHarness(operator, env)) {
            h.open();

            RuntimeContext context = operator.getRuntimeContext();
            assertThat(
                            TrainerDevice.assignedGpu(
                                    context.getExternalResourceInfos("gpu"),
                                    context.getTaskInfo().getIndexOfThisSubtask()))
                    .isEqualTo(OptionalInt.of(2));
            assertThat(ComputeDevice.current()).isEqualTo(new ComputeDevice(ComputeBackend.CPU, 0));
        }
    }

    @Test
    void trainerAskingForCudaOnTheCpuBuildFailsAtStartUpNamingTheSettingAndTheProfile()
            throws Exception {
        MiniBatchTrainerOperator operator = new MiniBatchTrainerOperator(settings("cuda", "0"));
        try (MockEnvironment env = taskManagerWithGpus(Set.of(new Gpu("0")));
                var h = keyedHarness(operator, env)) {
            assertThatThrownBy(h::open)
                    .satisfies(
                            e ->
                                    assertThat(
                                                    ExceptionUtils.findThrowable(
                                                            e, IllegalArgumentException.class))
                                            .get()
                                            .extracting(Throwable::getMessage)
                                            .asString()
                                            .startsWith(
                                                    "compute.backend is cuda but the ND4J backend"
                                                            + " on the classpath is cpu")
                                            .contains("-Pcuda"));
        }
    }
}
