package io.mtrec.schemas.serde;

/** Bytes that could not be decoded into the expected record, with the reason. */
public final class RecordDecodingException extends Exception {

    /** Why the bytes were rejected. */
    public enum Reason {
        /** The bytes do not start with the Avro single-object header (C3 01). */
        NOT_SINGLE_OBJECT,
        /** The header names a schema fingerprint this reader does not know. */
        UNKNOWN_SCHEMA,
        /** The header is fine but the body does not decode under the writer's schema. */
        CORRUPT_BODY
    }

    private final Reason reason;

    public RecordDecodingException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
