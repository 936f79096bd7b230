package io.datamodels.report;

import org.apache.batik.svggen.SVGGeneratorContext;
import org.apache.batik.svggen.SVGGraphics2D;
import org.apache.batik.svggen.SVGGraphics2DIOException;
import org.apache.batik.svggen.SVGIDGenerator;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYLineAnnotation;
import org.jfree.chart.axis.Axis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.statistics.HistogramDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Dimension;
import java.awt.Font;
import java.awt.geom.Rectangle2D;
import java.io.StringWriter;
import java.util.List;

/**
 * The report's charts: JFreeChart plots drawn onto Batik's {@link SVGGraphics2D}, so each chart is an SVG element
 * with real {@code <text>}, inlined into the HTML. Titles stay out of the SVG (the HTML figure caption carries the
 * question a chart answers). Every chart gets its own id prefix, so clip paths of two charts in one page never
 * collide.
 */
final class Charts {
    static final int WIDTH = 560;
    static final int HEIGHT = 360;
    private static final Font TICK = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private Charts() {
    }

    /** One named series of (x, y) points. */
    record Series(String name, double[] x, double[] y) {
    }

    /** A histogram of {@code values} in {@code bins} equal bins over [lo, hi], with a dashed line at {@code mark}. */
    static String histogram(String id, double[] values, int bins, double lo, double hi, double mark, String xLabel,
                            String yLabel) {
        HistogramDataset ds = new HistogramDataset();
        ds.addSeries("values", values, bins, lo, hi);
        JFreeChart chart = ChartFactory.createHistogram(null, xLabel, yLabel, ds, PlotOrientation.VERTICAL, false,
                false, false);
        XYPlot plot = chart.getXYPlot();
        XYBarRenderer r = (XYBarRenderer) plot.getRenderer();
        r.setBarPainter(new StandardXYBarPainter());
        r.setShadowVisible(false);
        r.setSeriesPaint(0, new Color(0x4c78a8));
        r.setDrawBarOutline(true);
        r.setSeriesOutlinePaint(0, Color.WHITE);
        if (Double.isFinite(mark)) {
            ValueMarker m = new ValueMarker(mark, new Color(0xe45756), new BasicStroke(1.5f, BasicStroke.CAP_BUTT,
                    BasicStroke.JOIN_MITER, 10f, new float[]{5f, 4f}, 0f));
            plot.addDomainMarker(m);
        }
        return svg(id, style(chart));
    }

    /**
     * A scatter plot of the series, with the line y = x over the data's range where {@code diagonal}, and lines
     * through the points where {@code lines}.
     */
    static String scatter(String id, List<Series> series, String xLabel, String yLabel, boolean diagonal,
                          boolean lines) {
        XYSeriesCollection ds = new XYSeriesCollection();
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            XYSeries xy = new XYSeries(s.name(), false, true);
            for (int i = 0; i < s.x().length; i++) {
                xy.add(s.x()[i], s.y()[i]);
                lo = Math.min(lo, Math.min(s.x()[i], s.y()[i]));
                hi = Math.max(hi, Math.max(s.x()[i], s.y()[i]));
            }
            ds.addSeries(xy);
        }
        JFreeChart chart = lines
                ? ChartFactory.createXYLineChart(null, xLabel, yLabel, ds, PlotOrientation.VERTICAL, true, false, false)
                : ChartFactory.createScatterPlot(null, xLabel, yLabel, ds, PlotOrientation.VERTICAL, true, false,
                false);
        XYPlot plot = chart.getXYPlot();
        XYLineAndShapeRenderer r = (XYLineAndShapeRenderer) plot.getRenderer();
        // Filled shapes only: an outline of the same colour would draw every point twice (twice the SVG).
        r.setDrawOutlines(false);
        if (lines) {
            r.setDefaultShapesVisible(true);
            r.setDefaultStroke(new BasicStroke(2f));
        }
        if (diagonal && lo < hi) {
            plot.addAnnotation(new XYLineAnnotation(lo, lo, hi, hi, new BasicStroke(1f, BasicStroke.CAP_BUTT,
                    BasicStroke.JOIN_MITER, 10f, new float[]{4f, 4f}, 0f), Color.GRAY));
        }
        return svg(id, style(chart));
    }

    /** Bars of height {@code y} at the integers {@code x} (e.g. a value per component). */
    static String bars(String id, double[] x, double[] y, String xLabel, String yLabel) {
        XYSeries xy = new XYSeries("values", false, true);
        for (int i = 0; i < x.length; i++) {
            xy.add(x[i], y[i]);
        }
        XYSeriesCollection ds = new XYSeriesCollection(xy);
        ds.setIntervalWidth(0.8);
        JFreeChart chart = ChartFactory.createXYBarChart(null, xLabel, false, yLabel, ds, PlotOrientation.VERTICAL,
                false, false, false);
        XYBarRenderer r = (XYBarRenderer) chart.getXYPlot().getRenderer();
        r.setBarPainter(new StandardXYBarPainter());
        r.setShadowVisible(false);
        r.setSeriesPaint(0, new Color(0x4c78a8));
        chart.getXYPlot().getDomainAxis().setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        return svg(id, style(chart));
    }

    /**
     * Stacked bars: one bar per column key, made of one segment per row key; {@code values[row][column]}.
     */
    static String stacked(String id, List<String> rows, List<String> columns, double[][] values, String xLabel,
                          String yLabel) {
        DefaultCategoryDataset ds = new DefaultCategoryDataset();
        for (int c = 0; c < columns.size(); c++) {
            for (int r = 0; r < rows.size(); r++) {
                ds.addValue(values[r][c], rows.get(r), columns.get(c));
            }
        }
        JFreeChart chart = ChartFactory.createStackedBarChart(null, xLabel, yLabel, ds, PlotOrientation.VERTICAL,
                true, false, false);
        BarRenderer r = (BarRenderer) chart.getCategoryPlot().getRenderer();
        r.setBarPainter(new StandardBarPainter());
        r.setShadowVisible(false);
        r.setDrawBarOutline(false);
        return svg(id, style(chart));
    }

    private static JFreeChart style(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.getPlot().setBackgroundPaint(new Color(0xf7f7f7));
        if (chart.getPlot() instanceof CategoryPlot plot) {
            plot.setRangeGridlinePaint(new Color(0xdddddd));
            fonts(plot.getDomainAxis(), plot.getRangeAxis());
        } else {
            XYPlot plot = chart.getXYPlot();
            plot.setDomainGridlinePaint(new Color(0xdddddd));
            plot.setRangeGridlinePaint(new Color(0xdddddd));
            fonts(plot.getDomainAxis(), plot.getRangeAxis());
        }
        if (chart.getLegend() != null) {
            chart.getLegend().setItemFont(TICK);
        }
        return chart;
    }

    private static void fonts(Axis domain, Axis range) {
        for (Axis a : new Axis[]{domain, range}) {
            a.setTickLabelFont(TICK);
            a.setLabelFont(LABEL);
        }
    }

    /** The chart drawn as one {@code <svg>} element (no XML prolog), scalable through its viewBox. */
    static String svg(String id, JFreeChart chart) {
        Document doc;
        try {
            doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().getDOMImplementation()
                    .createDocument("http://www.w3.org/2000/svg", "svg", null);
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("no XML document builder in this JDK", e);
        }
        SVGGeneratorContext ctx = SVGGeneratorContext.createDefault(doc);
        ctx.setComment(null);
        ctx.setEmbeddedFontsOn(false);
        ctx.setIDGenerator(new SVGIDGenerator() {
            @Override
            public String generateID(String prefix) {
                return super.generateID(id + "-" + prefix);
            }
        });
        SVGGraphics2D g = new SVGGraphics2D(ctx, false);
        g.setSVGCanvasSize(new Dimension(WIDTH, HEIGHT));
        chart.draw(g, new Rectangle2D.Double(0, 0, WIDTH, HEIGHT));
        Element root = g.getRoot();
        root.setAttribute("viewBox", "0 0 " + WIDTH + " " + HEIGHT);
        root.setAttribute("id", id + "-svg");
        root.setAttribute("role", "img");
        StringWriter out = new StringWriter();
        try {
            g.stream(root, out, true, false);
        } catch (SVGGraphics2DIOException e) {
            throw new IllegalStateException("SVG of chart " + id + " could not be written", e);
        }
        g.dispose();
        String s = out.toString();
        int start = s.indexOf("<svg");
        // Batik names its shared definitions "genericDefs" in every chart; one page needs them apart.
        return s.substring(start).replace("id=\"genericDefs\"", "id=\"" + id + "-genericDefs\"");
    }
}
