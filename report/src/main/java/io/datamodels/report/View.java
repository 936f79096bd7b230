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
    record Page(String title, String generated, String intro, List<Fact> run, List<Fact> provenance, List<Lds> lds,
                List<Chart> counterfactual, List<Chart> support, List<Gallery> gallery,
                List<Section> neighbours, List<Leakage> leakage, List<Section> embed, List<String> notes) {
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

    /** Leakage candidates as image pairs, with the figures of the rule that flagged them. */
    record Leakage(String file, int flagged, List<Fact> facts, String note, List<Pair> pairs) {
    }

    /** A (target, training example) pair with its score. */
    record Pair(Example target, Example train, String score) {
    }

    /**
     * A section of what an {@code explore} command wrote: the question it answers, a paragraph saying how to read
     * it, its figures and charts, and rows of examples.
     */
    record Section(String id, String title, String question, String intro, String file, List<Fact> facts,
                   List<Chart> charts, List<Row> rows) {
        /** Whether it has figures (for the template). */
        boolean hasFacts() {
            return !facts.isEmpty();
        }

        /** Whether it has charts (for the template). */
        boolean hasCharts() {
            return !charts.isEmpty();
        }
    }

    /** One row: a heading and examples. */
    record Row(String heading, List<Example> examples) {
    }
}
