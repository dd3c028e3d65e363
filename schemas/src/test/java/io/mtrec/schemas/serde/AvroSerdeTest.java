package io.mtrec.schemas.serde;

import io.mtrec.schemas.ClickEvent;
import io.mtrec.schemas.DeadLetter;
import io.mtrec.schemas.ItemProfile;
import io.mtrec.schemas.ModelSnapshotChunk;
import io.mtrec.schemas.PurchaseEvent;
import io.mtrec.schemas.RatingEvent;
import io.mtrec.schemas.ScoredItem;
import io.mtrec.schemas.UserScores;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AvroSerdeTest {
    private static final Instant T0 = Instant.ofEpochMilli(1_767_225_600_000L);

    private static ClickEvent click() {
        return ClickEvent.newBuilder()
                .setEventId("e1")
                .setUserId("u1")
                .setItemId("i1")
                .setEventTime(T0)
                .setClicked(false)
                .setPosition(3)
                .setContext("home")
                .build();
    }

    /** A click as the first ClickEvent schema wrote it. */
    private static GenericRecord clickOfSchemaV1(Schema v1) {
        GenericRecord old = new GenericData.Record(v1);
        old.put("eventId", "e9");
        old.put("userId", "u9");
        old.put("itemId", "i9");
        old.put("eventTime", T0.toEpochMilli());
        old.put("clicked", true);
        return old;
    }

    private static <T extends SpecificRecord> T roundTrip(Class<T> type, T record)
            throws RecordDecodingException {
        AvroSerde<T> serde = AvroSerde.of(type);
        return serde.deserialize(serde.serialize(record));
    }

    @Test
    void everyTopicRecordRoundTrips() throws RecordDecodingException {
        ClickEvent click = click();
        assertThat(roundTrip(ClickEvent.class, click)).isEqualTo(click);

        PurchaseEvent purchase =
                PurchaseEvent.newBuilder()
                        .setEventId("e2")
                        .setUserId("u1")
                        .setItemId("i1")
                        .setEventTime(T0)
                        .setPrice(9.5)
                        .build();
        assertThat(roundTrip(PurchaseEvent.class, purchase)).isEqualTo(purchase);

        RatingEvent rating =
                RatingEvent.newBuilder()
                        .setEventId("e3")
                        .setUserId("u1")
                        .setItemId("i1")
                        .setEventTime(T0)
                        .setRating(4.5f)
                        .build();
        assertThat(roundTrip(RatingEvent.class, rating)).isEqualTo(rating);

        ItemProfile item =
                ItemProfile.newBuilder()
                        .setItemId("i1")
                        .setCategory("books")
                        .setTextEmbedding(List.of(0.25f, -1f))
                        .setUpdatedAt(T0)
                        .build();
        assertThat(roundTrip(ItemProfile.class, item)).isEqualTo(item);

        UserScores scores =
                UserScores.newBuilder()
                        .setUserId("u1")
                        .setModelVersion(7)
                        .setProducedAt(T0)
                        .setLastEventTime(T0)
                        .setItems(List.of(new ScoredItem("i1", 0.5f, 0.1f, 4f, 0.9f)))
                        .build();
        assertThat(roundTrip(UserScores.class, scores)).isEqualTo(scores);

        ModelSnapshotChunk chunk =
                ModelSnapshotChunk.newBuilder()
                        .setModelId("m")
                        .setVersion(3)
                        .setCreatedAt(T0)
                        .setPart(0)
                        .setParts(1)
                        .setSection("model")
                        .setFormatVersion(1)
                        .setPayload(ByteBuffer.wrap(new byte[] {1, 2, 3}))
                        .build();
        assertThat(roundTrip(ModelSnapshotChunk.class, chunk)).isEqualTo(chunk);

        DeadLetter dead =
                DeadLetter.newBuilder()
                        .setSourceTopic("mtrec.clicks")
                        .setPartition(2)
                        .setOffset(41)
                        .setError("bad")
                        .setPayload(ByteBuffer.wrap(new byte[] {9}))
                        .build();
        assertThat(roundTrip(DeadLetter.class, dead)).isEqualTo(dead);
    }

    @Test
    void customCodersWriteTheSameBytesAsTheGeneratedModel() throws Exception {
        UserScores scores =
                UserScores.newBuilder()
                        .setUserId("u7")
                        .setModelVersion(42L)
                        .setProducedAt(Instant.ofEpochMilli(1_700_000_000_123L))
                        .setLastEventTime(Instant.ofEpochMilli(1_700_000_000_001L))
                        .setItems(
                                List.of(
                                        new ScoredItem("i1", 0.5f, 0.25f, 4.5f, 1.75f),
                                        new ScoredItem("i2", 0.125f, 0.0f, 1.0f, -0.5f)))
                        .build();
        BinaryMessageEncoder<UserScores> generated = UserScores.getEncoder();

        byte[] bytes = AvroSerde.of(UserScores.class).serialize(scores);

        ByteBuffer expected = generated.encode(scores);
        byte[] expectedBytes = new byte[expected.remaining()];
        expected.get(expectedBytes);
        assertThat(bytes).isEqualTo(expectedBytes);
        assertThat(AvroSerde.of(UserScores.class).deserialize(bytes)).isEqualTo(scores);
    }

    @Test
    void messageStartsWithSingleObjectHeaderAndFingerprint() {
        AvroSerde<ClickEvent> serde = AvroSerde.of(ClickEvent.class);
        byte[] bytes = serde.serialize(click());
        assertThat(bytes[0]).isEqualTo((byte) 0xC3);
        assertThat(bytes[1]).isEqualTo((byte) 0x01);
        long fingerprint =
                ByteBuffer.wrap(bytes, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(fingerprint).isEqualTo(serde.fingerprint());
    }

    @Test
    void garbageBytesAreRejectedAsNotSingleObject() {
        AvroSerde<ClickEvent> serde = AvroSerde.of(ClickEvent.class);
        assertThatThrownBy(() -> serde.deserialize("hello world".getBytes()))
                .isInstanceOfSatisfying(
                        RecordDecodingException.class,
                        e ->
                                assertThat(e.reason())
                                        .isEqualTo(
                                                RecordDecodingException.Reason.NOT_SINGLE_OBJECT))
                .hasMessageContaining("not an Avro single-object message");
    }

    @Test
    void emptyPayloadIsRejectedAsNotSingleObject() {
        AvroSerde<ClickEvent> serde = AvroSerde.of(ClickEvent.class);
        assertThatThrownBy(() -> serde.deserialize(new byte[0]))
                .isInstanceOfSatisfying(
                        RecordDecodingException.class,
                        e ->
                                assertThat(e.reason())
                                        .isEqualTo(
                                                RecordDecodingException.Reason.NOT_SINGLE_OBJECT))
                .hasMessageContaining("empty payload");
    }

    @Test
    void recordOfAnotherTypeIsRejectedAsUnknownSchema() {
        byte[] rating =
                AvroSerde.of(RatingEvent.class).serialize(new RatingEvent("e", "u", "i", T0, 3f));
        AvroSerde<ClickEvent> serde = AvroSerde.of(ClickEvent.class);
        assertThatThrownBy(() -> serde.deserialize(rating))
                .isInstanceOfSatisfying(
                        RecordDecodingException.class,
                        e ->
                                assertThat(e.reason())
                                        .isEqualTo(RecordDecodingException.Reason.UNKNOWN_SCHEMA))
                .hasMessageContaining("not a known version of ClickEvent");
    }

    @Test
    void truncatedBodyIsRejectedAsCorrupt() {
        AvroSerde<ClickEvent> serde = AvroSerde.of(ClickEvent.class);
        byte[] bytes = serde.serialize(click());
        byte[] truncated = Arrays.copyOf(bytes, 12);
        assertThatThrownBy(() -> serde.deserialize(truncated))
                .isInstanceOfSatisfying(
                        RecordDecodingException.class,
                        e ->
                                assertThat(e.reason())
                                        .isEqualTo(RecordDecodingException.Reason.CORRUPT_BODY));
    }

    @Test
    void olderWriterFromHistoryFolderIsResolvedWithDefaults() throws Exception {
        AvroSerde<ClickEvent> serde = AvroSerde.of(ClickEvent.class);
        assertThat(serde.writerSchemas()).hasSize(1);
        Schema v1 = serde.writerSchemas().get(0);
        GenericRecord old = clickOfSchemaV1(v1);

        ClickEvent decoded = serde.deserialize(encodeGeneric(v1, old));

        assertThat(decoded.getEventId()).isEqualTo("e9");
        assertThat(decoded.getEventTime()).isEqualTo(T0);
        assertThat(decoded.getClicked()).isTrue();
        assertThat(decoded.getPosition()).isNull();
        assertThat(decoded.getContext()).isNull();
    }

    @Test
    void aProjectionReadsTheNamedFieldsInTheirOrderAndSkipsTheRest() throws Exception {
        ScoredItem item = new ScoredItem();
        item.setItemId("lamp");
        item.setScore(1.5f);
        UserScores scores = new UserScores();
        scores.setUserId("ann");
        scores.setModelVersion(7L);
        scores.setProducedAt(T0.plusMillis(5));
        scores.setLastEventTime(T0);
        scores.setItems(List.of(item, item));
        AvroSerde<UserScores> serde = AvroSerde.of(UserScores.class);

        GenericRecord stamps =
                serde.project("lastEventTime", "userId").deserialize(serde.serialize(scores));

        assertThat(stamps.getSchema().getFields()).hasSize(2);
        assertThat(stamps.get(0)).isEqualTo(T0.toEpochMilli());
        assertThat(stamps.get(1).toString()).isEqualTo("ann");
    }

    @Test
    void aProjectionReadsOlderWritersAndRejectsBytesAsDeserializeDoes() throws Exception {
        AvroSerde<ClickEvent> serde = AvroSerde.of(ClickEvent.class);
        Schema v1 = serde.writerSchemas().get(0);
        GenericRecord old = clickOfSchemaV1(v1);
        AvroSerde.Projection users = serde.project("userId");

        assertThat(users.deserialize(encodeGeneric(v1, old)).get(0).toString()).isEqualTo("u9");
        byte[] rating =
                AvroSerde.of(RatingEvent.class).serialize(new RatingEvent("e", "u", "i", T0, 3f));
        assertThatThrownBy(() -> users.deserialize(rating))
                .isInstanceOfSatisfying(
                        RecordDecodingException.class,
                        e ->
                                assertThat(e.reason())
                                        .isEqualTo(RecordDecodingException.Reason.UNKNOWN_SCHEMA))
                .hasMessageContaining("not a known version of ClickEvent");
        assertThatThrownBy(() -> serde.project("nope"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ClickEvent has no field 'nope'");
    }

    @Test
    void olderWriterAddedExplicitlyIsResolvedWithDefaults() throws Exception {
        Schema oldPurchase =
                new Schema.Parser()
                        .parse(
                                "{\"type\":\"record\",\"name\":\"PurchaseEvent\","
                                        + "\"namespace\":\"io.mtrec.schemas\",\"fields\":["
                                        + "{\"name\":\"eventId\",\"type\":\"string\"},"
                                        + "{\"name\":\"userId\",\"type\":\"string\"},"
                                        + "{\"name\":\"itemId\",\"type\":\"string\"},"
                                        + "{\"name\":\"eventTime\",\"type\":\"long\"}]}");
        GenericRecord old = new GenericData.Record(oldPurchase);
        old.put("eventId", "e1");
        old.put("userId", "u1");
        old.put("itemId", "i1");
        old.put("eventTime", 5L);
        byte[] bytes = encodeGeneric(oldPurchase, old);

        AvroSerde<PurchaseEvent> plain = AvroSerde.of(PurchaseEvent.class);
        assertThatThrownBy(() -> plain.deserialize(bytes))
                .isInstanceOf(RecordDecodingException.class);

        PurchaseEvent decoded = plain.withWriterSchema(oldPurchase).deserialize(bytes);
        assertThat(decoded.getQuantity()).isEqualTo(1);
        assertThat(decoded.getPrice()).isNull();
        assertThat(decoded.getEventTime()).isEqualTo(Instant.ofEpochMilli(5));
    }

    private static byte[] encodeGeneric(Schema schema, GenericRecord record) throws IOException {
        BinaryMessageEncoder<GenericRecord> encoder =
                new BinaryMessageEncoder<>(GenericData.get(), schema);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        encoder.encode(record, out);
        return out.toByteArray();
    }
}
