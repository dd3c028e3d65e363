package io.mtrec.model.config;

import java.util.Arrays;
import java.util.List;

/** Validators for {@link Param}s: closed, open and half-open ranges, and finite sets. */
public final class ParamValidators {
    private ParamValidators() {}

    /** {@code lo <= value <= hi}. */
    public static <T extends Number & Comparable<T>> ParamValidator<T> inRange(T lo, T hi) {
        return range(lo, true, hi, true);
    }

    /** {@code lo < value <= hi}. */
    public static <T extends Number & Comparable<T>> ParamValidator<T> inRangeExcludingLow(
            T lo, T hi) {
        return range(lo, false, hi, true);
    }

    /** {@code lo <= value < hi}. */
    public static <T extends Number & Comparable<T>> ParamValidator<T> inRangeExcludingHigh(
            T lo, T hi) {
        return range(lo, true, hi, false);
    }

    /** Any value, so long as it is finite when it is a floating-point number. */
    public static <T extends Number> ParamValidator<T> anyFinite() {
        return new ParamValidator<>() {
            @Override
            public boolean isValid(T value) {
                return value != null && Double.isFinite(value.doubleValue());
            }

            @Override
            public String describe() {
                return "a finite number";
            }
        };
    }

    /** One of the given values. */
    @SafeVarargs
    public static <T> ParamValidator<T> oneOf(T... allowed) {
        List<T> values = List.copyOf(Arrays.asList(allowed));
        return new ParamValidator<>() {
            @Override
            public boolean isValid(T value) {
                return values.contains(value);
            }

            @Override
            public String describe() {
                return "one of " + values;
            }
        };
    }

    private static <T extends Number & Comparable<T>> ParamValidator<T> range(
            T lo, boolean loInclusive, T hi, boolean hiInclusive) {
        return new ParamValidator<>() {
            @Override
            public boolean isValid(T value) {
                if (value == null || !Double.isFinite(value.doubleValue())) {
                    return false;
                }
                int low = value.compareTo(lo);
                int high = value.compareTo(hi);
                return (loInclusive ? low >= 0 : low > 0) && (hiInclusive ? high <= 0 : high < 0);
            }

            @Override
            public String describe() {
                return "in "
                        + (loInclusive ? "[" : "(")
                        + lo
                        + ", "
                        + hi
                        + (hiInclusive ? "]" : ")");
            }
        };
    }
}
