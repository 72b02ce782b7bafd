package io.ultrasignals.sniper.redis;

import io.ultrasignals.sniper.script.ScriptException;

/** A key of the namespace holds a value the scripts cannot count with ({@code ERR sniper: key ... holds ...}). */
public final class CorruptDataException extends ScriptException {
    public CorruptDataException(String message) {
        super(message);
    }
}
