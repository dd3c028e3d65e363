package io.mtrec.model.config;

import java.util.Objects;
import java.util.function.Function;

/**
 * One hyper-parameter, declared once: dotted name, type, default, validator and a line of doc.
 *
 * <p>Values are checked when they are set ({@link #validate}) and when they are parsed from the
 * string form that job configs and command-line flags use ({@link #parse}); the error names the
 * parameter and the allowed values.
 */
public final class Param<T> {
    private final String name;
    private final Class<T> type;
    private final T defaultValue;
    private final ParamValidator<T> validator;
    private final String doc;
    private final Function<String, T> parser;
    private final Function<T, String> formatter;

    Param(
            String name,
            Class<T> type,
            T defaultValue,
            ParamValidator<T> validator,
            String doc,
            Function<String, T> parser,
            Function<T, String> formatter) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = Objects.requireNonNull(type, "type");
        this.validator = Objects.requireNonNull(validator, "validator");
        this.doc = Objects.requireNonNull(doc, "doc");
        this.parser = Objects.requireNonNull(parser, "parser");
        this.formatter = Objects.requireNonNull(formatter, "formatter");
        this.defaultValue = validate(defaultValue);
    }

    public String name() {
        return name;
    }

    public Class<T> type() {
        return type;
    }

    public T defaultValue() {
        return defaultValue;
    }

    public String doc() {
        return doc;
    }

    /** The allowed values, e.g. "in [1, 1024]". */
    public String allowed() {
        return validator.describe();
    }

    /**
     * Returns {@code value} if allowed, else throws naming this parameter and the allowed range.
     */
    public T validate(T value) {
        if (value == null || !validator.isValid(value)) {
            throw new IllegalArgumentException(
                    name + " must be " + validator.describe() + ", got " + value);
        }
        return value;
    }

    /** Parses and validates the string form of a value. */
    public T parse(String raw) {
        Objects.requireNonNull(raw, name);
        T value;
        try {
            value = parser.apply(raw.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    name + " must be " + validator.describe() + ", got '" + raw + "'", e);
        }
        return validate(value);
    }

    /** The string form of a value; {@code parse(format(v))} returns a value equal to v. */
    public String format(T value) {
        return formatter.apply(value);
    }

    /** Casts a value held as Object in a config map; the map only ever holds validated values. */
    T cast(Object value) {
        return type.cast(value);
    }

    @Override
    public String toString() {
        return name;
    }

    /**
     * A parameter taking one of the constants of {@code type}, written by {@code formatter} and
     * read by {@code parser}; public so that components outside this package (parameter sync)
     * declare their settings the same way.
     */
    public static <E extends Enum<E>> Param<E> ofEnum(
            String name,
            Class<E> type,
            E defaultValue,
            String doc,
            Function<String, E> parser,
            Function<E, String> formatter) {
        return new Param<>(
                name,
                type,
                defaultValue,
                ParamValidators.oneOf(type.getEnumConstants()),
                doc,
                parser,
                formatter);
    }

    static Param<Integer> ofInt(String name, int def, ParamValidator<Integer> v, String doc) {
        return new Param<>(name, Integer.class, def, v, doc, Integer::valueOf, String::valueOf);
    }

    static Param<Long> ofLong(String name, long def, ParamValidator<Long> v, String doc) {
        return new Param<>(name, Long.class, def, v, doc, Long::valueOf, String::valueOf);
    }

    static Param<Boolean> ofBoolean(String name, boolean def, String doc) {
        return new Param<>(
                name,
                Boolean.class,
                def,
                ParamValidators.oneOf(true, false),
                doc,
                Param::parseBoolean,
                String::valueOf);
    }

    /** Only "true" or "false", ignoring case: {@link Boolean#parseBoolean} reads typos as false. */
    private static Boolean parseBoolean(String raw) {
        if (raw.equalsIgnoreCase("true")) {
            return true;
        }
        if (raw.equalsIgnoreCase("false")) {
            return false;
        }
        throw new IllegalArgumentException("not a boolean: " + raw);
    }

    static Param<Double> ofDouble(String name, double def, ParamValidator<Double> v, String doc) {
        return new Param<>(name, Double.class, def, v, doc, Double::valueOf, String::valueOf);
    }
}
