package io.sparkllama.chat;

import java.util.AbstractList;
import java.util.RandomAccess;

/** {@code range(start, stop, step)}: a lazy sequence of integers that prints as {@code range(0, 3)}. */
final class PyRange extends AbstractList<Object> implements RandomAccess {
    /** The sandbox refuses ranges longer than this (Jinja2's MAX_RANGE). */
    static final long MAX_LENGTH = 100_000;

    final long start;
    final long stop;
    final long step;
    private final int size;

    PyRange(long start, long stop, long step) {
        if (step == 0) {
            throw new JinjaError("range() arg 3 must not be zero");
        }
        this.start = start;
        this.stop = stop;
        this.step = step;
        long n = step > 0 ? (stop - start + step - 1) / step : (start - stop - step - 1) / -step;
        if (n > MAX_LENGTH) {
            throw new JinjaError("Range too big. The sandbox blocks ranges larger than MAX_RANGE (" + MAX_LENGTH + ").");
        }
        this.size = (int) Math.max(0, n);
    }

    @Override
    public Object get(int index) {
        return start + index * step;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public String toString() {
        return "range(" + start + ", " + stop + (step == 1 ? "" : ", " + step) + ")";
    }
}
