package io.datamodels.report;

import java.util.List;

/**
 * The view model of {@code report.html.mustache}: one record per section, read by the template through its
 * accessors. A section that has no data is an empty list, so the template shows it zero times.
 */
final class View {
    private View() {
    }

    /** The whole page. */
    record Page(String title, String generated, List<Fact> run, List<Fact> provenance, List<Lds> lds,
                List<Chart> counterfactual, List<Chart> support, List<Gallery> gallery,
                List<Leakage> leakage, List<Section> explore, List<String> notes) {
    }

    /** One line of a facts table. */
    record Fact(String name, String value) {
    }

    /** A chart: its SVG (from {@link Charts}, trusted), the question it answers, and what it shows. */
    record Chart(String id, String svg, String question, String caption) {
    }

    /** The LDS section: the headline figures and its charts. */
    record Lds(List<Fact> facts, List<Chart> charts) {
    }

    /** The per-target galleries, as images or as feature rows. */
    record Gallery(boolean images, int k, List<Target> targets, List<String> featureNames) {
    }

    /** One target with its top supporters and opposers. */
    record Target(int index, String label, String src, List<String> features, String bias,
                  List<Example> supporters, List<Example> opposers) {
    }

    /** One training example: its position in the training selection, class, weight, image or feature values. */
    record Example(int index, String label, String weight, String src, List<String> features) {
    }

    /** Leakage candidates as image pairs. */
    record Leakage(String file, int flagged, List<Pair> pairs) {
    }

    /** A (target, training example) pair with its score. */
    record Pair(Example target, Example train, String score) {
    }

    /** A section written by an {@code explore} command, shown as rows of examples. */
    record Section(String id, String title, String question, String file, List<Row> rows) {
    }

    /** One row: a heading and examples. */
    record Row(String heading, List<Example> examples) {
    }
}
