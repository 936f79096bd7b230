package io.datamodels;

import io.datamodels.testing.NoStdout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@code A:B} as every command and config reads it: one form, one error naming the option and the value. */
@ExtendWith(NoStdout.class)
class IndexRangeTest {
    @Test
    void parsesHalfOpenRangesIncludingEmptyOnes() {
        assertEquals(new IndexRange(4, 8), IndexRange.parse("--targets", "4:8"));
        assertEquals(new IndexRange(3, 5), IndexRange.parse("--targets", " 3 : 5 "));
        assertArrayEquals(new int[]{3, 4}, IndexRange.parse("--targets", "3:5").indices());
        assertArrayEquals(new int[0], IndexRange.parse("--range", "9:9").indices());
        assertArrayEquals(new int[]{0}, IndexRange.parse("--range", "0:1").indices());
    }

    @Test
    void anythingElseNamesTheOptionTheFormAndTheValue() {
        for (String bad : new String[]{"5:2", "-1:3", "3", "a:b", "1:2:3", ":", "", "0:2147483648"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> IndexRange.parse("--targets", bad), bad);
            assertEquals("--targets: expected A:B with 0 <= A <= B, got '" + bad + "'", e.getMessage());
        }
        assertEquals("support.targets: expected A:B with 0 <= A <= B, got 'null'",
                assertThrows(IllegalArgumentException.class, () -> IndexRange.parse("support.targets", null))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> new IndexRange(2, 1));
    }
}
