import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogarithmicAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LDS against compute, from the results.csv files of docs/experiments/attribute-w1.sh and dattri-mnist.sh, drawn with
 * JFreeChart (the report module's charting library) as a PNG. Run as a single-file program:
 * java -cp ~/.m2/repository/org/jfree/jfreechart/1.5.6/jfreechart-1.5.6.jar docs/experiments/LdsChart.java \
 *     "TITLE" OUT.png LABEL=FILE.csv [LABEL=FILE.csv ...]
 * One line per (file, method): x = CPU-seconds (log scale), y = mean Spearman LDS; each point is one budget.
 */
public class LdsChart {
    public static void main(String[] args) throws Exception {
        XYSeriesCollection data = new XYSeriesCollection();
        for (int a = 2; a < args.length; a++) {
            String[] lf = args[a].split("=", 2);
            List<String> lines = Files.readAllLines(Path.of(lf[1]));
            Map<String, XYSeries> series = new LinkedHashMap<>();
            for (String line : lines.subList(1, lines.size())) {
                String[] c = line.split(",");
                String name = lf[0] + ": " + c[0] + (c[0].equals("trak") ? " (M models)" : "");
                if (c[0].startsWith("gradient-dot-subsets")) {
                    continue;
                }
                series.computeIfAbsent(name, k -> new XYSeries(k, true, true))
                        .addOrUpdate(Double.parseDouble(c[5]), Double.parseDouble(c[2]));
            }
            series.values().forEach(data::addSeries);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(args[0], "compute (CPU-seconds, log scale)",
                "LDS (mean Spearman over targets)", data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        LogarithmicAxis x = new LogarithmicAxis("compute: CPU-seconds of training and attribution (log scale)");
        x.setAllowNegativesFlag(false);
        plot.setDomainAxis(x);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        plot.setRenderer(r);
        plot.setBackgroundPaint(java.awt.Color.WHITE);
        plot.setDomainGridlinePaint(java.awt.Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(java.awt.Color.LIGHT_GRAY);
        ChartUtils.saveChartAsPNG(new File(args[1]), chart, 900, 560);
    }
}
