package io.datamodels.store.npy;

import java.nio.ByteOrder;

/**
 * The numpy dtypes a {@code .npy} file of ours may hold: bool, the signed integers, uint8 and the three IEEE floats.
 *
 * <p>Each constant knows its item size, its numpy {@code descr} kind letter, and the name that numpy's
 * {@code getattr(np, name)} accepts ({@code bool_}, {@code float32}, ...), which is what a MadryLab
 * {@code spec.json} stores.
 */
public enum DType {
    BOOL('b', 1, "bool_"),
    UINT8('u', 1, "uint8"),
    INT8('i', 1, "int8"),
    INT16('i', 2, "int16"),
    INT32('i', 4, "int32"),
    INT64('i', 8, "int64"),
    FLOAT16('f', 2, "float16"),
    FLOAT32('f', 4, "float32"),
    FLOAT64('f', 8, "float64");

    private final char kind;
    private final int size;
    private final String numpyName;

    DType(char kind, int size, String numpyName) {
        this.kind = kind;
        this.size = size;
        this.numpyName = numpyName;
    }

    /** Bytes per element. */
    public int size() {
        return size;
    }

    /** The attribute name in numpy ({@code np.float32}), as written in {@code spec.json}. */
    public String numpyName() {
        return numpyName;
    }

    /** True for float16, float32 and float64. */
    public boolean isFloating() {
        return kind == 'f';
    }

    /** The numpy {@code descr} for this dtype in the given byte order, e.g. {@code <f4} or {@code |b1}. */
    public String descr(ByteOrder order) {
        char o = size == 1 ? '|' : order == ByteOrder.LITTLE_ENDIAN ? '<' : '>';
        return "" + o + kind + size;
    }

    /**
     * Parses a dtype name as numpy spells it: {@code bool}, {@code bool_}, {@code float32}, {@code uint8}, or a
     * short code such as {@code f4}, {@code <f4}, {@code ?}. Case matters, as in numpy ({@code U1} is a string type,
     * not {@code u1}); {@code float} and {@code double} are float64 and {@code single} float32, as
     * {@code np.dtype(name)} reads them.
     *
     * @throws IllegalArgumentException naming the value and the accepted names
     */
    public static DType fromName(String name) {
        String n = name.trim();
        if (n.startsWith("np.")) {
            n = n.substring(3);
        }
        switch (n) {
            case "bool", "bool_", "bool8", "?", "b1" -> {
                return BOOL;
            }
            case "half" -> {
                return FLOAT16;
            }
            case "single" -> {
                return FLOAT32;
            }
            case "double", "float" -> {
                return FLOAT64;
            }
            default -> {
            }
        }
        for (DType t : values()) {
            if (t.numpyName.equals(n)) {
                return t;
            }
        }
        if (!n.isEmpty() && "<>|=".indexOf(n.charAt(0)) >= 0) {
            n = n.substring(1);
        }
        for (DType t : values()) {
            if (n.equals("" + t.kind + t.size)) {
                return t;
            }
        }
        throw new IllegalArgumentException("dtype: expected one of bool_, uint8, int8, int16, int32, int64, "
                + "float16, float32, float64, got '" + name + "'");
    }
}
