package io.trellis.e2e;

import java.util.List;

/** Reading a Prometheus text exposition: the lines and sums a test or the demo looks at. */
public record Prometheus(String exposition) {

    /** Sample lines whose name and labels start with {@code series}. */
    public List<String> lines(String series) {
        return exposition.lines().filter(l -> l.startsWith(series)).toList();
    }

    /** Lines of {@code metric} carrying every one of {@code labels} (each written {@code key="value"}). */
    public List<String> withLabels(String metric, String... labels) {
        return exposition.lines().filter(l -> l.startsWith(metric + "{") || l.startsWith(metric + " "))
                .filter(l -> {
                    for (String label : labels) {
                        if (!l.contains(label)) {
                            return false;
                        }
                    }
                    return true;
                }).toList();
    }

    /** The sum of the values of {@code lines}. */
    public static double sum(List<String> lines) {
        double total = 0;
        for (String l : lines) {
            try {
                total += Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
            } catch (NumberFormatException e) {
                // a malformed sample is not counted; the exposition is not ours to validate here
            }
        }
        return total;
    }
}
