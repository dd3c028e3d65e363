package io.mtrec.model.snapshot;

/** Snapshot bytes that this codec cannot read: wrong magic, format version, shape or checksum. */
public final class SnapshotFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public SnapshotFormatException(String message) {
        super(message);
    }

    public SnapshotFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
