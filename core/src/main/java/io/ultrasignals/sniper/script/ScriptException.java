package io.ultrasignals.sniper.script;

/** An {@code ERR sniper:} reply: bad arguments, or a key of the namespace holding the wrong data. Nothing was written. */
public class ScriptException extends RuntimeException {
    public ScriptException(String message) {
        super(message);
    }
}
