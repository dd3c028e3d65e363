package io.mtrec.model.events;

/** A decoded event that breaks a rule of the model's input (blank id, rating off scale, ...). */
public final class InvalidEventException extends Exception {
    public InvalidEventException(String message) {
        super(message);
    }
}
