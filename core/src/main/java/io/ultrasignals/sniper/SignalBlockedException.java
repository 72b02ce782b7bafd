package io.ultrasignals.sniper;

/**
 * Thrown by an instrumented method whose signal was blocked, when its settings say {@code on_block: throw} and
 * name no exception class of their own. The message names the signal, the reason and the method.
 */
public final class SignalBlockedException extends RuntimeException {
    private final Reason reason;
    private final String signalId;

    public SignalBlockedException(String message, Reason reason, String signalId) {
        super(message);
        this.reason = reason;
        this.signalId = signalId;
    }

    /** What blocked the signal; null when the signal could not be read from the call (the agent then blocks). */
    public Reason reason() {
        return reason;
    }

    /** The signal's id, or null when it had none. */
    public String signalId() {
        return signalId;
    }
}
