package io.datamodels.attribute;

import org.junit.jupiter.api.Test;

import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Options a method does not use are refused when set, and never when left at their defaults. */
class AttributeOptionsTest {
    private static void refused(Method m, UnaryOperator<AttributeOptions.Builder> set, String option) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> set.apply(AttributeOptions.builder(m)).build(), option + " with " + m);
        assertTrue(e.getMessage().startsWith(option + " is ") && e.getMessage().contains("method " + m.jsonName()
                + " does not use it"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @Test
    void optionsTheMethodDoesNotUseAreRefused() {
        for (Method m : new Method[]{Method.INFLUENCE, Method.GRADIENT_DOT}) {
            refused(m, b -> b.projDim(16), "proj_dim (--proj-dim)");
            refused(m, b -> b.projection(AttributeOptions.Projection.GAUSSIAN), "projection (--projection)");
            refused(m, b -> b.projection(AttributeOptions.Projection.RADEMACHER), "projection (--projection)");
            refused(m, b -> b.allowLargeProjection(true), "allow_large_projection (--allow-large-projection)");
            refused(m, b -> b.trainOn(AttributeOptions.TrainOn.SUBSETS).seed(0), "seed (--seed)");
        }
        refused(Method.GRADIENT_DOT, b -> b.damping(0.1), "damping (--damping)");
        refused(Method.GRADIENT_DOT, b -> b.damping(0), "damping (--damping)");
        for (Method m : new Method[]{Method.TRAK, Method.GRADIENT_DOT}) {
            refused(m, b -> b.cg(100, Double.NaN), "cg_iterations (--cg-iterations)");
            refused(m, b -> b.cg(0, 1e-4), "cg_tolerance (--cg-tolerance)");
        }
    }

    @Test
    void defaultsAndOptionsTheMethodUsesAreAccepted() {
        for (Method m : Method.values()) {
            for (AttributeOptions.TrainOn t : AttributeOptions.TrainOn.values()) {
                AttributeOptions o = AttributeOptions.builder(m).trainOn(t).models(3).build();
                assertEquals(AttributeOptions.Projection.RADEMACHER, o.effectiveProjection());
                assertEquals(0, o.effectiveSeed());
                assertEquals(AttributeOptions.DEFAULT_CG_ITERATIONS, o.effectiveCgIterations());
                assertEquals(AttributeOptions.DEFAULT_CG_TOLERANCE, o.effectiveCgTolerance());
            }
        }
        AttributeOptions trak = AttributeOptions.builder(Method.TRAK).projDim(64)
                .projection(AttributeOptions.Projection.GAUSSIAN).allowLargeProjection(true).damping(0.5).seed(7)
                .trainOn(AttributeOptions.TrainOn.SUBSETS).build();
        assertEquals(AttributeOptions.Projection.GAUSSIAN, trak.effectiveProjection());
        assertEquals(7, trak.effectiveSeed());
        AttributeOptions inf = AttributeOptions.builder(Method.INFLUENCE).damping(0.1).cg(20, 1e-3).seed(3).build();
        assertEquals(20, inf.effectiveCgIterations());
        assertEquals(1e-3, inf.effectiveCgTolerance());
        assertEquals(3, inf.effectiveSeed());
        AttributeOptions.builder(Method.GRADIENT_DOT).seed(3).build();
    }
}
