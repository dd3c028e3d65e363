package io.mtrec.flink.train;

import io.mtrec.model.compute.ComputeDevice;
import io.mtrec.model.config.ComputeSettings;

import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Chooses the device a trainer subtask computes on from the GPUs Flink gave its task manager.
 *
 * <p>A task manager with {@code external-resources: gpu} lists its GPUs through Flink's GPU plugin
 * (one {@link ExternalResourceInfo} per GPU, property {@code index}). The list is per task manager,
 * not per slot, so a subtask takes the GPUs in index order at its subtask index modulo their count:
 * trainers in the slots of one task manager spread over its GPUs. Without GPUs the configured
 * {@code compute.device} stands.
 */
public final class TrainerDevice {
    private static final Logger LOG = LoggerFactory.getLogger(TrainerDevice.class);

    /** The external resource name task managers declare for GPUs. */
    public static final String GPU_RESOURCE = "gpu";

    /** The property of Flink's GPU plugin that holds a GPU's index. */
    static final String INDEX_PROPERTY = "index";

    private TrainerDevice() {}

    /**
     * Checks {@code settings} against the ND4J backend on the classpath and pins the calling thread
     * to this subtask's device; call it on the task thread, before the learner is built. The device
     * is logged and exposed as the gauge {@code mtrec.computeDevice} ({@code cpu:0}, {@code
     * cuda:1}).
     */
    public static ComputeDevice select(ComputeSettings settings, RuntimeContext context) {
        int subtask = context.getTaskInfo().getIndexOfThisSubtask();
        OptionalInt gpu = assignedGpu(context.getExternalResourceInfos(GPU_RESOURCE), subtask);
        ComputeDevice device = ComputeDevice.select(settings, gpu);
        LOG.info(
                "Trainer subtask {} computes on {} ({}, GPU assigned by Flink: {})",
                subtask,
                device,
                settings,
                gpu.isPresent() ? gpu.getAsInt() : "none");
        String name = device.toString();
        context.getMetricGroup().addGroup("mtrec").gauge("computeDevice", () -> name);
        return device;
    }

    /**
     * The GPU for one subtask: the task manager's GPUs in index order, taken at {@code
     * subtaskIndex} modulo their count; empty when the task manager has none.
     *
     * @throws IllegalArgumentException if a GPU has no integer {@code index} property
     */
    public static OptionalInt assignedGpu(Set<ExternalResourceInfo> gpus, int subtaskIndex) {
        if (gpus.isEmpty()) {
            return OptionalInt.empty();
        }
        List<Integer> indices =
                gpus.stream()
                        .map(TrainerDevice::indexOf)
                        .distinct()
                        .sorted(Comparator.naturalOrder())
                        .toList();
        return OptionalInt.of(indices.get(Math.floorMod(subtaskIndex, indices.size())));
    }

    private static int indexOf(ExternalResourceInfo gpu) {
        String raw =
                gpu.getProperty(INDEX_PROPERTY)
                        .orElseThrow(
                                () ->
                                        new IllegalArgumentException(
                                                "external resource '"
                                                        + GPU_RESOURCE
                                                        + "' has no '"
                                                        + INDEX_PROPERTY
                                                        + "' property (properties: "
                                                        + gpu.getKeys()
                                                        + "); use Flink's GPU plugin"
                                                        + " (GPUDriverFactory)"));
        try {
            return Integer.parseInt(raw.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "external resource '"
                            + GPU_RESOURCE
                            + "' has a non-integer index '"
                            + raw
                            + "'; a discovery script must print GPU indices such as 0,1",
                    e);
        }
    }
}
