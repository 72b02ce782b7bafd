package io.ultrasignals.sniper.config;

import io.ultrasignals.sniper.script.ScopeCap;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
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
 * @param scopes       dimension → accessor on the arguments ({@code arg0.getSymbol()}) or a constant value
 *                     ({@code momentum}): the signal's scopes, at most 8; empty for none
 */
public record InstrumentTarget(String method, MatchMode match, String signalId, String mtfConfirmed, BlockAction onBlock,
                               String returnValue, String exception, Map<String, String> scopes) {
    /** A target in errors from code; the loader puts the list index between the brackets. */
    static final SettingKey ITEM = AgentSettings.INSTRUMENT.item();
    static final SettingKey METHOD = ITEM.key("method");
    static final SettingKey MATCH = ITEM.key("match");
    static final SettingKey SIGNAL_ID = ITEM.key("signal_id");
    static final SettingKey MTF_CONFIRMED = ITEM.key("mtf_confirmed");
    static final SettingKey ON_BLOCK = ITEM.key("on_block");
    static final SettingKey RETURN_VALUE = ITEM.key("return_value");
    static final SettingKey EXCEPTION = ITEM.key("exception");
    static final SettingKey SCOPES = ITEM.key("scopes");
    private static final String JAVA_NAME = "\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*";
    private static final String CLASS_NAME = JAVA_NAME + "(?:\\." + JAVA_NAME + ")*";
    private static final Pattern METHOD_PATTERN = Pattern.compile("(" + CLASS_NAME + ")#(" + JAVA_NAME + ")");
    private static final Pattern CLASS_PATTERN = Pattern.compile(CLASS_NAME);
    static final String METHOD_EXPECTED = "\"fully.qualified.Class#method\"";

    public InstrumentTarget {
        METHOD.required(method);
        if (!METHOD_PATTERN.matcher(method).matches()) {
            throw SettingsException.invalid(METHOD.path(),
                    "expected " + METHOD_EXPECTED + ", got " + Checks.quote(method));
        }
        MATCH.required(match);
        if (signalId != null) {
            SIGNAL_ID.token(signalId);
        }
        if (mtfConfirmed != null) {
            MTF_CONFIRMED.token(mtfConfirmed);
        }
        ON_BLOCK.required(onBlock);
        if (returnValue != null && onBlock != BlockAction.SKIP) {
            throw onlyWith(RETURN_VALUE, BlockAction.SKIP, onBlock);
        }
        if (exception != null) {
            if (onBlock != BlockAction.THROW) {
                throw onlyWith(EXCEPTION, BlockAction.THROW, onBlock);
            }
            if (!CLASS_PATTERN.matcher(exception).matches()) {
                throw SettingsException.invalid(EXCEPTION.path(),
                        "expected a fully qualified class name, got " + Checks.quote(exception));
            }
        }
        Map<String, String> copy = new LinkedHashMap<>();
        if (scopes != null) {
            scopes.forEach((dimension, source) -> {
                if (!ScopeCap.isDimension(dimension)) {
                    throw SettingsException.invalid(SCOPES.path() + "." + dimension,
                            "a dimension is a-z 0-9 _ from a letter, up to 32 bytes");
                }
                if (source == null || source.isEmpty()) {
                    throw SettingsException.invalid(SCOPES.path() + "." + dimension,
                            "expected an accessor (arg0.getSymbol()) or a value, got nothing");
                }
                copy.put(dimension, source);
            });
        }
        if (copy.size() > ScopeCap.MAX_SCOPES) {
            throw SettingsException.invalid(SCOPES.path(), "at most 8 scopes, got " + copy.size());
        }
        scopes = Collections.unmodifiableMap(copy);
    }

    /** {@code key} means something only with {@code on_block: needed}, and on_block is {@code actual}. */
    private static SettingsException onlyWith(SettingKey key, BlockAction needed, BlockAction actual) {
        return SettingsException.conflict(key.path(), ON_BLOCK.path(), "is used only with " + ON_BLOCK.name() + ": "
                + Checks.yamlName(needed) + ", but " + ON_BLOCK.name() + " is " + Checks.yamlName(actual));
    }

    public static Builder builder(String method) {
        return new Builder(method);
    }

    /** A builder that starts from this target. */
    public Builder toBuilder() {
        return builder(method).match(match).signalId(signalId).mtfConfirmed(mtfConfirmed).onBlock(onBlock)
                .returnValue(returnValue).exception(exception).scopes(scopes);
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
        private Map<String, String> scopes = Map.of();

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

        /** Dimension → accessor ({@code arg0.getSymbol()}) or constant value, in order. */
        public Builder scopes(Map<String, String> scopes) {
            this.scopes = scopes;
            return this;
        }

        public InstrumentTarget build() {
            return new InstrumentTarget(method, match, signalId, mtfConfirmed, onBlock, returnValue, exception, scopes);
        }
    }
}
