package io.mtrec.model.config;

/** Decides whether a parameter value is allowed and says, for error messages, what is. */
public interface ParamValidator<T> {

    boolean isValid(T value);

    /** The allowed values as a phrase that completes "NAME must be ...", e.g. "in [1, 1024]". */
    String describe();
}
