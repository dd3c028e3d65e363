package io.mtrec.flink.cli;

import io.mtrec.model.snapshot.SnapshotChunks;
import io.mtrec.schemas.ModelSnapshotChunk;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Gathers snapshot chunks as they arrive and yields the newest complete snapshot. */
public final class SnapshotCollector {
    private final Map<Long, List<ModelSnapshotChunk>> byVersion = new TreeMap<>();
    private long newestComplete = -1;
    private int complete;

    /** A reassembled snapshot: its version and bytes. */
    public record Snapshot(long version, byte[] bytes) {}

    public synchronized void add(ModelSnapshotChunk chunk) {
        List<ModelSnapshotChunk> parts =
                byVersion.computeIfAbsent(chunk.getVersion(), v -> new ArrayList<>());
        if (parts.stream().noneMatch(c -> c.getPart() == chunk.getPart())) {
            parts.add(chunk);
        }
        if (parts.size() == chunk.getParts()) {
            complete++;
            newestComplete = Math.max(newestComplete, chunk.getVersion());
            byVersion.keySet().removeIf(v -> v < chunk.getVersion() && v != newestComplete);
        }
    }

    /** Number of versions seen complete. */
    public synchronized int completeVersions() {
        return complete;
    }

    public synchronized Optional<Snapshot> newest() {
        if (newestComplete < 0) {
            return Optional.empty();
        }
        return Optional.of(
                new Snapshot(
                        newestComplete, SnapshotChunks.assemble(byVersion.get(newestComplete))));
    }
}
