package io.mtrec.schemas.serde;

import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Conversion;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Avro single-object encoding of one record type: every message carries the 8-byte fingerprint of
 * its writer's schema, so a reader can resolve any older writer schema it was told about.
 *
 * <p>Older writer schemas of a type are read from the classpath at {@code
 * io/mtrec/schemas/history/<RecordName>.v<N>.avsc} (N = 1, 2, ... without gaps); add a file there
 * whenever a schema changes so the job keeps reading records written before the change. Instances
 * are immutable and thread-safe.
 */
public final class AvroSerde<T extends SpecificRecord> {
    private static final Map<Class<?>, AvroSerde<?>> SHARED = new ConcurrentHashMap<>();

    private final Class<T> type;
    private final Schema schema;
    private final List<Schema> writerSchemas;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;

    private AvroSerde(Class<T> type, List<Schema> writerSchemas) {
        this.type = type;
        SpecificData model = modelWithCustomCoders(type);
        this.schema = model.getSchema(type);
        this.writerSchemas = List.copyOf(writerSchemas);
        this.encoder = new BinaryMessageEncoder<>(model, schema);
        this.decoder = new BinaryMessageDecoder<>(model, schema);
        for (Schema writer : this.writerSchemas) {
            decoder.addSchema(writer);
        }
    }

    /**
     * A data model like the generated class's own (its logical-type conversions), with Avro's
     * generated custom coders switched on: without them every float of a nested record such as a
     * score's item is boxed on its way through the generic writer, which measured a fifth of all
     * allocation of a trainer sending 7,000 score records a second. The bytes are the same.
     */
    private static SpecificData modelWithCustomCoders(Class<?> type) {
        SpecificData generated = SpecificData.getForClass(type);
        SpecificData model = new SpecificData(type.getClassLoader());
        for (Conversion<?> conversion : generated.getConversions()) {
            model.addLogicalTypeConversion(conversion);
        }
        model.setCustomCoders(true);
        return model;
    }

    /**
     * The serde for {@code type}, which also reads every older schema in its history folder. Serdes
     * are immutable, so one instance per type is shared.
     */
    @SuppressWarnings("unchecked")
    public static <T extends SpecificRecord> AvroSerde<T> of(Class<T> type) {
        return (AvroSerde<T>)
                SHARED.computeIfAbsent(type, t -> new AvroSerde<>(type, historyOf(type)));
    }

    /** A copy that can also decode records written with {@code olderWriter}. */
    public AvroSerde<T> withWriterSchema(Schema olderWriter) {
        List<Schema> schemas = new ArrayList<>(writerSchemas);
        schemas.add(Objects.requireNonNull(olderWriter, "olderWriter"));
        return new AvroSerde<>(type, schemas);
    }

    public Class<T> type() {
        return type;
    }

    public Schema schema() {
        return schema;
    }

    /** The 64-bit Rabin fingerprint of the current schema, as written in each message header. */
    public long fingerprint() {
        return SchemaNormalization.parsingFingerprint64(schema);
    }

    /** Older writer schemas this serde resolves, beside the current one. */
    public List<Schema> writerSchemas() {
        return writerSchemas;
    }

    public byte[] serialize(T record) {
        try {
            ByteBuffer buffer = encoder.encode(record);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot encode " + type.getSimpleName(), e);
        }
    }

    /**
     * Decodes one single-object-encoded record.
     *
     * @throws RecordDecodingException when the bytes are not a single-object message, carry an
     *     unknown schema fingerprint, or do not decode under their writer's schema
     */
    public T deserialize(byte[] bytes) throws RecordDecodingException {
        return decode(decoder, bytes, type.getSimpleName());
    }

    /**
     * A reader of only {@code fields} of this type's records, as generic records with those fields
     * in that order (logical types as their plain values): Avro resolves each writer's schema, the
     * current one and the older ones this serde reads, against a schema of those fields, and skips
     * the others without building them. For a reader that needs little of a large record.
     *
     * @throws IllegalArgumentException if the type has no field of one of the names
     */
    public Projection project(String... fields) {
        List<Schema.Field> kept = new ArrayList<>();
        for (String name : fields) {
            Schema.Field field = schema.getField(name);
            if (field == null) {
                throw new IllegalArgumentException(
                        type.getSimpleName() + " has no field '" + name + "'");
            }
            kept.add(new Schema.Field(field, field.schema()));
        }
        Schema projected =
                Schema.createRecord(
                        schema.getName(), schema.getDoc(), schema.getNamespace(), false, kept);
        BinaryMessageDecoder<GenericRecord> reader =
                new BinaryMessageDecoder<>(GenericData.get(), projected);
        reader.addSchema(schema);
        for (Schema writer : writerSchemas) {
            reader.addSchema(writer);
        }
        return new Projection(reader, type.getSimpleName());
    }

    /** Some fields of a record type, read by {@link #project}; immutable and thread-safe. */
    public static final class Projection {
        private final BinaryMessageDecoder<GenericRecord> decoder;
        private final String typeName;

        private Projection(BinaryMessageDecoder<GenericRecord> decoder, String typeName) {
            this.decoder = decoder;
            this.typeName = typeName;
        }

        /**
         * Decodes the projected fields of one single-object-encoded record.
         *
         * @throws RecordDecodingException as {@link AvroSerde#deserialize}
         */
        public GenericRecord deserialize(byte[] bytes) throws RecordDecodingException {
            return decode(decoder, bytes, typeName);
        }
    }

    private static <R> R decode(BinaryMessageDecoder<R> decoder, byte[] bytes, String typeName)
            throws RecordDecodingException {
        if (bytes == null || bytes.length == 0) {
            throw new RecordDecodingException(
                    RecordDecodingException.Reason.NOT_SINGLE_OBJECT,
                    "empty payload, expected an Avro single-object " + typeName,
                    null);
        }
        try {
            return decoder.decode(bytes);
        } catch (MissingSchemaException e) {
            throw new RecordDecodingException(
                    RecordDecodingException.Reason.UNKNOWN_SCHEMA,
                    "unknown schema fingerprint, not a known version of "
                            + typeName
                            + ": "
                            + e.getMessage(),
                    e);
        } catch (BadHeaderException e) {
            throw new RecordDecodingException(
                    RecordDecodingException.Reason.NOT_SINGLE_OBJECT,
                    "not an Avro single-object message (" + e.getMessage() + ")",
                    e);
        } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException e) {
            throw new RecordDecodingException(
                    RecordDecodingException.Reason.CORRUPT_BODY,
                    "corrupt " + typeName + " body: " + e,
                    e);
        }
    }

    private static List<Schema> historyOf(Class<?> type) {
        List<Schema> history = new ArrayList<>();
        String name = type.getSimpleName();
        // Versions are numbered from 1 without gaps; the first missing one ends the history.
        for (int n = 1; ; n++) {
            String resource = "/io/mtrec/schemas/history/" + name + ".v" + n + ".avsc";
            try (InputStream in = AvroSerde.class.getResourceAsStream(resource)) {
                if (in == null) {
                    return history;
                }
                history.add(new Schema.Parser().parse(in));
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read schema history " + resource, e);
            }
        }
    }
}
