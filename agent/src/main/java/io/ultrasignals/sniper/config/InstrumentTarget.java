package io.ultrasignals.sniper.config;

import java.util.regex.Pattern;

/**
 * One entry of {@code sniper_agent.instrument}: a method whose calls are signals.
 *
 * @param method       {@code fully.qualified.Class#method}, e.g. {@code com.acme.Runner#publish}
 * @param match        exact class, or every subtype of it
 * @param signalId     accessor of the signal id on the method's arguments, or null for none (the instrument layer defines the syntax)
 * @param mtfConfirmed accessor of the MTF flag, or null (then the signal counts as not confirmed)
 * @param onBlock      skip the method or throw
 * @param returnValue  with skip: the value the skipped method returns, as text, or null for the type's default
 * @param exception    with throw: class name of the exception to throw, or null for the agent's own
 */
public record InstrumentTarget(String method, MatchMode match, String signalId, String mtfConfirmed, BlockAction onBlock,
                               String returnValue, String exception) {
    /** Key path of a target in errors from code; the loader puts the list index between the brackets. */
    static final String PATH = "sniper_agent.instrument[]";
    private static final String JAVA_NAME = "\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*";
    private static final String CLASS_NAME = JAVA_NAME + "(?:\\." + JAVA_NAME + ")*";
    private static final Pattern METHOD = Pattern.compile("(" + CLASS_NAME + ")#(" + JAVA_NAME + ")");
    private static final Pattern CLASS = Pattern.compile(CLASS_NAME);

    public InstrumentTarget {
        Checks.required(PATH + ".method", method);
        if (!METHOD.matcher(method).matches()) {
            throw SettingsException.invalid(PATH + ".method",
                    "expected \"fully.qualified.Class#method\", got " + Checks.quote(method));
        }
        Checks.required(PATH + ".match", match);
        if (signalId != null) {
            Checks.token(PATH + ".signal_id", signalId);
        }
        if (mtfConfirmed != null) {
            Checks.token(PATH + ".mtf_confirmed", mtfConfirmed);
        }
        Checks.required(PATH + ".on_block", onBlock);
        if (returnValue != null && onBlock != BlockAction.SKIP) {
            throw SettingsException.conflict(PATH + ".return_value", PATH + ".on_block",
                    "is used only with on_block: skip, but on_block is " + Checks.yamlName(onBlock));
        }
        if (exception != null) {
            if (onBlock != BlockAction.THROW) {
                throw SettingsException.conflict(PATH + ".exception", PATH + ".on_block",
                        "is used only with on_block: throw, but on_block is " + Checks.yamlName(onBlock));
            }
            if (!CLASS.matcher(exception).matches()) {
                throw SettingsException.invalid(PATH + ".exception",
                        "expected a fully qualified class name, got " + Checks.quote(exception));
            }
        }
    }

    public static Builder builder(String method) {
        return new Builder(method);
    }

    /** The class part of {@link #method()}: {@code com.acme.Runner}. */
    public String className() {
        return method.substring(0, method.indexOf('#'));
    }

    /** The method part of {@link #method()}: {@code publish}. */
    public String methodName() {
        return method.substring(method.indexOf('#') + 1);
    }

    public static final class Builder {
        private final String method;
        private MatchMode match = SettingsDefaults.INSTRUMENT_MATCH;
        private String signalId;
        private String mtfConfirmed;
        private BlockAction onBlock = SettingsDefaults.INSTRUMENT_ON_BLOCK;
        private String returnValue;
        private String exception;

        private Builder(String method) {
            this.method = method;
        }

        public Builder match(MatchMode match) {
            this.match = match;
            return this;
        }

        public Builder signalId(String accessor) {
            this.signalId = accessor;
            return this;
        }

        public Builder mtfConfirmed(String accessor) {
            this.mtfConfirmed = accessor;
            return this;
        }

        public Builder onBlock(BlockAction onBlock) {
            this.onBlock = onBlock;
            return this;
        }

        public Builder returnValue(String returnValue) {
            this.returnValue = returnValue;
            return this;
        }

        public Builder exception(String exceptionClass) {
            this.exception = exceptionClass;
            return this;
        }

        public InstrumentTarget build() {
            return new InstrumentTarget(method, match, signalId, mtfConfirmed, onBlock, returnValue, exception);
        }
    }
}
