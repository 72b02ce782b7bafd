package io.ultrasignals.sniper.instrument;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a value is read from an instrumented method's arguments: {@code argN} (the N-th parameter, from 0), then any
 * number of steps, each a field ({@code .name}) or a no-argument method ({@code .name()}: a getter or a record
 * component). Examples: {@code arg0.getId()}, {@code arg0.orderId()}, {@code arg0.id}, {@code arg1},
 * {@code arg0.getOrder().id}.
 *
 * @param text      the accessor as written in settings
 * @param parameter the parameter index N
 * @param steps     what is read from it, in order
 */
record AccessorPath(String text, int parameter, List<Step> steps) {
    private static final Pattern ROOT = Pattern.compile("arg(0|[1-9][0-9]{0,2})");
    private static final Pattern STEP = Pattern.compile("(\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*)(\\(\\))?");
    static final String SYNTAX = "argN, then .field or .method() steps, e.g. arg0.getId(), arg0.id, arg1";

    AccessorPath {
        steps = List.copyOf(steps);
    }

    /** One step: a field or a no-argument method, by name. */
    record Step(String name, boolean method) {
        @Override
        public String toString() {
            return method ? name + "()" : name;
        }
    }

    /** Parses an accessor; the message of the exception says what was expected. */
    static AccessorPath parse(String text) {
        String[] parts = text.split("\\.", -1);
        Matcher root = ROOT.matcher(parts[0]);
        if (!root.matches()) {
            throw new IllegalArgumentException("\"" + text + "\" must start with argN (the N-th parameter, from 0); expected " + SYNTAX);
        }
        List<Step> steps = new ArrayList<>();
        for (int i = 1; i < parts.length; i++) {
            Matcher step = STEP.matcher(parts[i]);
            if (!step.matches()) {
                throw new IllegalArgumentException("\"" + text + "\": \"" + parts[i] + "\" is neither a field name nor name(); expected " + SYNTAX);
            }
            steps.add(new Step(step.group(1), step.group(2) != null));
        }
        return new AccessorPath(text, Integer.parseInt(root.group(1)), steps);
    }

    @Override
    public String toString() {
        return text;
    }
}
