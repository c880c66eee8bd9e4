package io.trellis.perf.suite;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Draws latency percentiles against request rate as a PNG with Java2D (no plotting dependency):
 * rates evenly spaced on the x axis, latency on a log10 y axis, one line per series. Series whose
 * name starts with "p50" are dashed, the others solid; the colour is per connection count.
 */
public final class LatencyPlot {

    private static final int WIDTH = 900;
    private static final int HEIGHT = 540;
    private static final int LEFT = 80;
    private static final int RIGHT = 220;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;
    private static final Color[] COLOURS = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd), new Color(0xff7f0e)};

    private LatencyPlot() {}

    public static void write(Path file, String title, List<Integer> rates, Map<String, List<Double>> series)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            double[] range = logRange(series);
            axes(g, title, rates, range);
            int index = 0;
            for (Map.Entry<String, List<Double>> entry : series.entrySet()) {
                boolean dashed = entry.getKey().startsWith("p50");
                Color colour = COLOURS[(index / 2) % COLOURS.length];
                line(g, entry.getValue(), rates.size(), range, colour, dashed);
                legend(g, index, entry.getKey(), colour, dashed);
                index++;
            }
        } finally {
            g.dispose();
        }
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("no PNG writer in this JDK");
        }
    }

    /** log10 of the lowest and highest finite value, widened to whole decades. */
    private static double[] logRange(Map<String, List<Double>> series) {
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        for (List<Double> points : series.values()) {
            for (double v : points) {
                if (Double.isFinite(v) && v > 0) {
                    min = Math.min(min, Math.log10(v));
                    max = Math.max(max, Math.log10(v));
                }
            }
        }
        if (min > max) {
            return new double[] {0, 1};
        }
        double low = Math.floor(min);
        double high = Math.max(Math.ceil(max), low + 1);
        return new double[] {low, high};
    }

    private static int x(int i, int count) {
        int plotWidth = WIDTH - LEFT - RIGHT;
        return count == 1 ? LEFT + plotWidth / 2 : LEFT + 30 + i * (plotWidth - 60) / (count - 1);
    }

    private static int y(double value, double[] range) {
        int plotHeight = HEIGHT - TOP - BOTTOM;
        double fraction = (Math.log10(value) - range[0]) / (range[1] - range[0]);
        return TOP + plotHeight - (int) Math.round(fraction * plotHeight);
    }

    private static void axes(Graphics2D g, String title, List<Integer> rates, double[] range) {
        g.setColor(Color.BLACK);
        g.drawString(title, LEFT, TOP - 20);
        g.drawRect(LEFT, TOP, WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
        for (int decade = (int) range[0]; decade <= (int) range[1]; decade++) {
            int y = y(Math.pow(10, decade), range);
            g.setColor(new Color(0xdddddd));
            g.drawLine(LEFT, y, WIDTH - RIGHT, y);
            g.setColor(Color.BLACK);
            g.drawString(decadeLabel(decade), 10, y + 4);
        }
        for (int i = 0; i < rates.size(); i++) {
            int x = x(i, rates.size());
            g.drawLine(x, HEIGHT - BOTTOM, x, HEIGHT - BOTTOM + 5);
            g.drawString(rates.get(i) + " rps", x - 20, HEIGHT - BOTTOM + 20);
        }
        g.drawString("request rate", WIDTH / 2 - 60, HEIGHT - 15);
        g.drawString("latency", 10, TOP - 5);
    }

    private static String decadeLabel(int decade) {
        double micros = Math.pow(10, decade);
        return micros >= 1000 ? String.format(Locale.ROOT, "%.0f ms", micros / 1000)
                : String.format(Locale.ROOT, "%.0f µs", micros);
    }

    private static void line(Graphics2D g, List<Double> points, int count, double[] range, Color colour,
            boolean dashed) {
        g.setColor(colour);
        g.setStroke(dashed ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f,
                new float[] {6f, 4f}, 0f) : new BasicStroke(2f));
        Integer previousX = null;
        Integer previousY = null;
        for (int i = 0; i < points.size(); i++) {
            double v = points.get(i);
            if (!Double.isFinite(v) || v <= 0) {
                previousX = null;
                continue;
            }
            int px = x(i, count);
            int py = y(v, range);
            g.fillOval(px - 3, py - 3, 6, 6);
            if (previousX != null && previousY != null) {
                g.drawLine(previousX, previousY, px, py);
            }
            previousX = px;
            previousY = py;
        }
        g.setStroke(new BasicStroke(1f));
    }

    private static void legend(Graphics2D g, int index, String name, Color colour, boolean dashed) {
        int x = WIDTH - RIGHT + 20;
        int y = TOP + 10 + index * 20;
        g.setColor(colour);
        g.setStroke(dashed ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f,
                new float[] {6f, 4f}, 0f) : new BasicStroke(2f));
        g.drawLine(x, y, x + 30, y);
        g.setStroke(new BasicStroke(1f));
        g.setColor(Color.BLACK);
        g.drawString(name, x + 38, y + 4);
    }
}
