package io.ultrasignals.sniper.testkit;

import java.util.List;
import java.util.Map;

/**
 * The parsed answer of a Prometheus query: its type ({@code vector}, {@code matrix}, {@code scalar} or
 * {@code string}) and its series. A scalar is one series without labels; a string has no samples.
 */
public record PrometheusResult(String resultType, List<Series> series, List<String> warnings) {
    public PrometheusResult {
        series = List.copyOf(series);
        warnings = List.copyOf(warnings);
    }

    /** One labelled series: one sample for a vector, the range's samples for a matrix. */
    public record Series(Map<String, String> labels, List<Sample> samples) {
        public Series {
            labels = Map.copyOf(labels);
            samples = List.copyOf(samples);
        }
    }

    /** {@code epochSeconds} as Prometheus reports it (fractional), the value with NaN and ±Inf kept. */
    public record Sample(double epochSeconds, double value) {}

    public int seriesCount() {
        return series.size();
    }

    public int sampleCount() {
        return series.stream().mapToInt(s -> s.samples().size()).sum();
    }

    public boolean isEmpty() {
        return sampleCount() == 0;
    }

    /** Every sample's value, series by series. */
    public List<Double> values() {
        return series.stream().flatMap(s -> s.samples().stream()).map(Sample::value).toList();
    }
}
