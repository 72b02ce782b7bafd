package io.ultrasignals.sniper.testkit;

/** Prometheus refused a query: a PromQL syntax error, an unknown function, a timeout, ... */
public final class PrometheusQueryException extends RuntimeException {
    private final String query;
    private final String errorType;

    public PrometheusQueryException(String query, String errorType, String error) {
        super("Prometheus rejected the query (" + errorType + "): " + error + "\n  query: " + query);
        this.query = query;
        this.errorType = errorType;
    }

    public String query() {
        return query;
    }

    /** Prometheus's {@code errorType}: {@code bad_data} for a parse error, {@code execution}, {@code timeout}, ... */
    public String errorType() {
        return errorType;
    }
}
