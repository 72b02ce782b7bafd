package io.ultrasignals.sniper.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Takes a PromQL condition apart at its comparison and set operators ({@code == != > < >= <= and or
 * unless}), outside any function call or aggregation, through enclosing parentheses, and returns the
 * operands left: for {@code (max(a) >= max(b > 0)) and on (job) (sum(c) > 0)} that is {@code max(a)},
 * {@code max(b > 0)}, {@code sum(c)} and {@code 0}. An alert's condition may rightly be false and return
 * nothing; its operands that read series must still return data, or a name or label in it is wrong.
 */
public final class PromQlOperands {
    private static final List<String> SYMBOLS = List.of("==", "!=", ">=", "<=", ">", "<");
    private static final Set<String> WORDS = Set.of("and", "or", "unless");
    /** Modifiers that may follow an operator; those with a label list are followed by parentheses. */
    private static final Set<String> MODIFIERS = Set.of("bool", "on", "ignoring", "group_left", "group_right");

    private PromQlOperands() {}

    /** The operands, in order; an expression without such an operator is its own one operand. */
    public static List<String> of(String expr) {
        List<String> out = new ArrayList<>();
        collect(expr.strip(), out);
        return out;
    }

    /** The operands that read at least one series (numbers and {@code time()} arithmetic left out). */
    public static List<String> readingSeries(String expr) {
        return of(expr).stream().filter(o -> !PromQlSelectors.of(o).isEmpty()).toList();
    }

    private static void collect(String expr, List<String> out) {
        String inner = stripEnclosingParentheses(expr);
        List<String> parts = split(inner);
        if (parts.size() == 1) {
            out.add(inner);
            return;
        }
        for (String part : parts) {
            collect(part, out);
        }
    }

    /** Splits at the operators found outside brackets, braces, parentheses and strings. */
    private static List<String> split(String expr) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        int i = 0;
        while (i < expr.length()) {
            char c = expr.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = closingQuote(expr, i) + 1;
                continue;
            }
            if (c == '#') {
                int eol = expr.indexOf('\n', i);
                i = eol < 0 ? expr.length() : eol;
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (depth == 0) {
                int length = operatorAt(expr, i);
                if (length > 0) {
                    parts.add(expr.substring(start, i).strip());
                    i = skipModifiers(expr, i + length);
                    start = i;
                    continue;
                }
            }
            i++;
        }
        parts.add(expr.substring(start).strip());
        return parts;
    }

    /** Length of the operator starting at {@code i}, or 0. */
    private static int operatorAt(String expr, int i) {
        for (String symbol : SYMBOLS) {
            if (expr.startsWith(symbol, i)) {
                return symbol.length();
            }
        }
        if (i > 0 && isWordChar(expr.charAt(i - 1))) {
            return 0;
        }
        int end = wordEnd(expr, i);
        return WORDS.contains(expr.substring(i, end).toLowerCase(Locale.ROOT)) ? end - i : 0;
    }

    private static int skipModifiers(String expr, int i) {
        while (true) {
            while (i < expr.length() && Character.isWhitespace(expr.charAt(i))) {
                i++;
            }
            int end = wordEnd(expr, i);
            if (end == i || !MODIFIERS.contains(expr.substring(i, end).toLowerCase(Locale.ROOT))) {
                return i;
            }
            i = end;
            while (i < expr.length() && Character.isWhitespace(expr.charAt(i))) {
                i++;
            }
            if (i < expr.length() && expr.charAt(i) == '(') {
                i = expr.indexOf(')', i) + 1;
            }
        }
    }

    /** {@code (x)} becomes {@code x}; {@code (a) and (b)} stays as it is. */
    private static String stripEnclosingParentheses(String expr) {
        String s = expr;
        while (s.startsWith("(") && closingParenthesis(s, 0) == s.length() - 1) {
            s = s.substring(1, s.length() - 1).strip();
        }
        return s;
    }

    private static int closingParenthesis(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = closingQuote(s, i);
            } else if (c == '(') {
                depth++;
            } else if (c == ')' && --depth == 0) {
                return i;
            }
        }
        throw new IllegalArgumentException("unclosed ( in: " + s);
    }

    private static int closingQuote(String s, int open) {
        char quote = s.charAt(open);
        for (int i = open + 1; i < s.length(); i++) {
            if (s.charAt(i) == '\\' && quote != '`') {
                i++;
            } else if (s.charAt(i) == quote) {
                return i;
            }
        }
        throw new IllegalArgumentException("unclosed string at " + open + " in: " + s);
    }

    private static int wordEnd(String s, int i) {
        int end = i;
        while (end < s.length() && isWordChar(s.charAt(end))) {
            end++;
        }
        return end;
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == ':';
    }
}
