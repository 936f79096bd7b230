package io.datamodels.subset;

import io.datamodels.testing.NoStdout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link BitMask}: members, cardinality, indices, bytes and booleans agree, for sizes around the 64-bit word. */
@ExtendWith(NoStdout.class)
class BitMaskTest {
    private static final int[] SIZES = {0, 1, 2, 63, 64, 65, 127, 128, 129, 1000};

    @Test
    void viewsAgreeForRandomMembers() {
        SplittableRandom rnd = new SplittableRandom(64);
        for (int size : SIZES) {
            for (double p : new double[]{0, 0.05, 0.5, 1}) {
                boolean[] in = new boolean[size];
                List<Integer> members = new ArrayList<>();
                for (int j = 0; j < size; j++) {
                    in[j] = p == 1 || rnd.nextDouble() < p;
                    if (in[j]) {
                        members.add(j);
                    }
                }
                BitMask a = BitMask.of(in);
                BitMask b = new BitMask(size);
                for (int j : members) {
                    b.set(j);
                }
                String at = "size " + size + ", p " + p;
                assertEquals(a, b, at);
                assertEquals(a.hashCode(), b.hashCode(), at);
                assertEquals(size, a.size(), at);
                assertEquals(members.size(), a.cardinality(), at);
                assertArrayEquals(members.stream().mapToInt(Integer::intValue).toArray(), a.indices(), at);
                assertArrayEquals(in, a.toBooleans(), at);
                byte[] bytes = a.toBytes();
                assertEquals(size, bytes.length, at);
                for (int j = 0; j < size; j++) {
                    assertEquals(in[j] ? 1 : 0, bytes[j], at + " byte " + j);
                    assertEquals(in[j], a.get(j), at + " get " + j);
                }
                long[] w = a.words();
                assertEquals((size + 63) / 64, w.length, at);
                int bitCount = 0;
                for (long x : w) {
                    bitCount += Long.bitCount(x);
                }
                assertEquals(a.cardinality(), bitCount, at);
                if (size % 64 != 0) {
                    assertEquals(0, w[w.length - 1] >>> (size % 64), at + ": bits past size are zero");
                }
            }
        }
    }

    @Test
    void setAndClear() {
        BitMask m = new BitMask(65);
        m.set(0);
        m.set(63);
        m.set(64);
        m.set(64);
        assertArrayEquals(new int[]{0, 63, 64}, m.indices());
        assertArrayEquals(new long[]{1L | 1L << 63, 1L}, m.words());
        m.clear(63);
        m.clear(10);
        assertArrayEquals(new int[]{0, 64}, m.indices());
        assertEquals(2, m.cardinality());
        m.words()[0] = -1;
        assertEquals(2, m.cardinality(), "words() is a copy");
        BitMask other = new BitMask(66);
        other.set(0);
        other.set(64);
        assertNotEquals(m, other, "same bits, different size");
    }

    @Test
    void indicesOutOfRangeAreRefused() {
        BitMask m = new BitMask(65);
        for (int j : new int[]{-1, 65, 127, 128, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
            assertThrows(IndexOutOfBoundsException.class, () -> m.set(j), "set " + j);
            assertThrows(IndexOutOfBoundsException.class, () -> m.clear(j), "clear " + j);
            assertThrows(IndexOutOfBoundsException.class, () -> m.get(j), "get " + j);
        }
        assertThrows(IndexOutOfBoundsException.class, () -> new BitMask(0).get(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new BitMask(-1));
        assertEquals("size must be >= 0, got -1", e.getMessage());
        assertFalse(m.get(64));
        assertTrue(BitMask.of(new boolean[0]).indices().length == 0);
    }
}
