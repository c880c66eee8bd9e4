package io.trellis.e2e.bench;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Bar charts as a PNG with Java2D (no plotting dependency), for the lab's single-value results: panels side by side,
 * one bar per path at its median with a whisker from the lowest to the highest repetition, on a linear axis from 0.
 */
final class LabBarPlot {

    /** One bar: a path's median over the repetitions and their range. */
    record Bar(String label, double median, double min, double max) {}

    /** One chart: a title, the unit of its axis, and its bars. */
    record Panel(String title, String unit, List<Bar> bars) {
        Panel {
            bars = List.copyOf(bars);
        }
    }

    private static final int PANEL_WIDTH = 420;
    private static final int HEIGHT = 420;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 60;
    private static final int BOTTOM = 70;
    private static final Color BAR = new Color(0x1f77b4);

    private LabBarPlot() {
    }

    static void write(Path file, String title, List<Panel> panels) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(Math.max(1, panels.size()) * PANEL_WIDTH, HEIGHT,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), HEIGHT);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.setColor(Color.BLACK);
            g.drawString(title, 10, 20);
            for (int i = 0; i < panels.size(); i++) {
                panel(g, i * PANEL_WIDTH, panels.get(i));
            }
        } finally {
            g.dispose();
        }
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("no PNG writer in this JDK");
        }
    }

    private static void panel(Graphics2D g, int x0, Panel panel) {
        int left = x0 + LEFT;
        int width = PANEL_WIDTH - LEFT - RIGHT;
        int plotHeight = HEIGHT - TOP - BOTTOM;
        double top = niceTop(panel.bars().stream().mapToDouble(b -> Double.isFinite(b.max()) ? b.max() : 0).max()
                .orElse(1));
        g.setColor(Color.BLACK);
        g.drawString(panel.title(), left, TOP - 20);
        g.drawRect(left, TOP, width, plotHeight);
        for (int tick = 0; tick <= 4; tick++) {
            double v = top * tick / 4;
            int y = TOP + plotHeight - (int) Math.round(plotHeight * v / top);
            g.setColor(new Color(0xdddddd));
            g.drawLine(left, y, left + width, y);
            g.setColor(Color.BLACK);
            g.drawString(String.format(Locale.ROOT, "%,.0f", v), x0 + 5, y + 4);
        }
        g.drawString(panel.unit(), x0 + 5, TOP - 5);
        int n = panel.bars().size();
        for (int i = 0; i < n; i++) {
            Bar b = panel.bars().get(i);
            int slot = width / Math.max(1, n);
            int bx = left + i * slot + slot / 5;
            int bw = slot * 3 / 5;
            if (Double.isFinite(b.median())) {
                int h = (int) Math.round(plotHeight * Math.min(b.median(), top) / top);
                g.setColor(BAR);
                g.fillRect(bx, TOP + plotHeight - h, bw, h);
                g.setColor(Color.BLACK);
                int yMin = TOP + plotHeight - (int) Math.round(plotHeight * Math.min(b.min(), top) / top);
                int yMax = TOP + plotHeight - (int) Math.round(plotHeight * Math.min(b.max(), top) / top);
                g.drawLine(bx + bw / 2, yMin, bx + bw / 2, yMax);
                g.drawLine(bx + bw / 2 - 5, yMin, bx + bw / 2 + 5, yMin);
                g.drawLine(bx + bw / 2 - 5, yMax, bx + bw / 2 + 5, yMax);
                g.drawString(String.format(Locale.ROOT, "%,.0f", b.median()), bx, TOP + plotHeight - h - 6);
            }
            g.drawString(b.label(), bx, TOP + plotHeight + 18 + (i % 2) * 14);
        }
    }

    /** The axis' top: the largest value rounded up to 1, 2 or 5 times a power of ten. */
    static double niceTop(double max) {
        if (!(max > 0)) {
            return 1;
        }
        double decade = Math.pow(10, Math.floor(Math.log10(max)));
        for (double step : new double[] {1, 2, 5, 10}) {
            if (step * decade >= max) {
                return step * decade;
            }
        }
        return 10 * decade;
    }
}
