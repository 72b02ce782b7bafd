package io.ultrasignals.sniper.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the series selectors ({@code metric{label="value",...}}) in a PromQL expression, so tests can
 * check which metrics and label matchers dashboards and alerts use. Only a lexer and enough structure
 * to tell a metric name from a function, an aggregation, a keyword or a grouping label; whether the
 * expression is valid is for Prometheus to say.
 */
public final class PromQlSelectors {
    /** One label matcher such as {@code job=~"$job"}; {@code value} is unquoted. */
    public record LabelMatcher(String label, String op, String value) {}

    /** One selector; {@code metric} is empty for a nameless {@code {__name__=...}} selector. */
    public record Selector(String metric, List<LabelMatcher> matchers) {
        public Selector {
            matchers = List.copyOf(matchers);
        }

        public Optional<LabelMatcher> matcher(String label) {
            return matchers.stream().filter(m -> m.label().equals(label)).findFirst();
        }
    }

    private static final Set<String> AGGREGATIONS = Set.of("sum", "min", "max", "avg", "group", "stddev", "stdvar",
            "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without",
            "on", "ignoring", "group_left", "group_right", "inf", "nan", "atan2");
    /** Keywords followed by a parenthesised list of label names, not expressions. */
    private static final Set<String> LABEL_LISTS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");

    private enum Kind { IDENT, STRING, NUMBER, VARIABLE, PUNCT }

    private record Token(Kind kind, String text) {}

    private static final Pattern NUMBER = Pattern.compile(
            "0[xX][0-9a-fA-F]+|(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?[a-zA-Z0-9]*");
    private static final Pattern IDENT = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    /** Grafana variables: {@code $job}, {@code ${job}}, {@code $__rate_interval}. */
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{[^}]*}|\\$[a-zA-Z0-9_]+");
    private static final Pattern PUNCT = Pattern.compile("=~|!~|!=|==|<=|>=|[-+*/%^=<>{}()\\[\\],@:]");

    private record TokenPattern(Pattern pattern, Kind kind) {}

    /** Tried in this order: a variable before anything else, a number before an identifier ({@code 5m}). */
    private static final List<TokenPattern> TOKEN_PATTERNS = List.of(new TokenPattern(VARIABLE, Kind.VARIABLE),
            new TokenPattern(NUMBER, Kind.NUMBER), new TokenPattern(IDENT, Kind.IDENT), new TokenPattern(PUNCT, Kind.PUNCT));

    private PromQlSelectors() {}

    /** Every selector, in order of appearance. */
    public static List<Selector> of(String expr) {
        List<Token> tokens = lex(expr);
        List<Selector> selectors = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.kind() == Kind.PUNCT && t.text().equals("[")) {
                i = skipTo(tokens, i, "[", "]", expr);
            } else if (t.kind() == Kind.PUNCT && t.text().equals("{")) {
                List<LabelMatcher> matchers = new ArrayList<>();
                i = matchers(tokens, i, matchers, expr);
                selectors.add(new Selector("", matchers));
            } else if (t.kind() == Kind.IDENT) {
                String word = t.text();
                boolean call = i + 1 < tokens.size() && tokens.get(i + 1).text().equals("(");
                if (LABEL_LISTS.contains(word.toLowerCase()) && call) {
                    i = skipTo(tokens, i + 1, "(", ")", expr);
                } else if (!call && !AGGREGATIONS.contains(word) && !KEYWORDS.contains(word.toLowerCase())) {
                    List<LabelMatcher> matchers = new ArrayList<>();
                    if (i + 1 < tokens.size() && tokens.get(i + 1).text().equals("{")) {
                        i = matchers(tokens, i + 1, matchers, expr);
                    }
                    selectors.add(new Selector(word, matchers));
                }
            }
        }
        return selectors;
    }

    /** Reads {@code { label op "value", ... }} starting at the brace; returns the index of the closing brace. */
    private static int matchers(List<Token> tokens, int open, List<LabelMatcher> into, String expr) {
        int i = open + 1;
        while (i < tokens.size() && !tokens.get(i).text().equals("}")) {
            if (tokens.get(i).text().equals(",")) {
                i++;
                continue;
            }
            if (i + 2 >= tokens.size() || tokens.get(i).kind() != Kind.IDENT || tokens.get(i + 2).kind() != Kind.STRING) {
                throw new IllegalArgumentException("expected label=\"value\" inside {...} at token '"
                        + tokens.get(i).text() + "' in: " + expr);
            }
            into.add(new LabelMatcher(tokens.get(i).text(), tokens.get(i + 1).text(), tokens.get(i + 2).text()));
            i += 3;
        }
        if (i >= tokens.size()) {
            throw new IllegalArgumentException("unclosed { in: " + expr);
        }
        return i;
    }

    private static int skipTo(List<Token> tokens, int open, String opening, String closing, String expr) {
        int depth = 0;
        for (int i = open; i < tokens.size(); i++) {
            String text = tokens.get(i).text();
            if (tokens.get(i).kind() == Kind.PUNCT && text.equals(opening)) {
                depth++;
            } else if (tokens.get(i).kind() == Kind.PUNCT && text.equals(closing) && --depth == 0) {
                return i;
            }
        }
        throw new IllegalArgumentException("unclosed " + opening + " in: " + expr);
    }

    private static List<Token> lex(String expr) {
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        while (i < expr.length()) {
            char c = expr.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '#') {
                int end = expr.indexOf('\n', i);
                i = end < 0 ? expr.length() : end;
            } else if (c == '"' || c == '\'' || c == '`') {
                int end = closingQuote(expr, i);
                tokens.add(new Token(Kind.STRING, unquote(expr.substring(i + 1, end), c)));
                i = end + 1;
            } else {
                i = lexOther(expr, i, tokens);
            }
        }
        return tokens;
    }

    private static int lexOther(String expr, int i, List<Token> tokens) {
        for (TokenPattern candidate : TOKEN_PATTERNS) {
            Matcher m = candidate.pattern().matcher(expr).region(i, expr.length());
            if (m.lookingAt()) {
                tokens.add(new Token(candidate.kind(), m.group()));
                return m.end();
            }
        }
        throw new IllegalArgumentException("unexpected character '" + expr.charAt(i) + "' at " + i + " in: " + expr);
    }

    private static int closingQuote(String expr, int open) {
        char quote = expr.charAt(open);
        for (int i = open + 1; i < expr.length(); i++) {
            char c = expr.charAt(i);
            if (c == '\\' && quote != '`') {
                i++;
            } else if (c == quote) {
                return i;
            }
        }
        throw new IllegalArgumentException("unclosed string at " + open + " in: " + expr);
    }

    /** Enough unescaping for label values: \" \' \\ ; other escapes are kept as written. */
    private static String unquote(String body, char quote) {
        if (quote == '`') {
            return body;
        }
        StringBuilder out = new StringBuilder(body.length());
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '\\' && i + 1 < body.length() && "\"'\\".indexOf(body.charAt(i + 1)) >= 0) {
                out.append(body.charAt(++i));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
