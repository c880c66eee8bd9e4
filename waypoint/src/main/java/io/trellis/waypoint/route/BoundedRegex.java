package io.trellis.waypoint.route;

import java.util.regex.Pattern;

/**
 * Full-matches a {@link Pattern} against untrusted input with a bound on the work done.
 *
 * <p>Envoy uses RE2, which runs in linear time; {@code java.util.regex} backtracks, so a pattern
 * such as {@code (a+)+b} can take exponential time on a crafted path and stall an event loop.
 * The input is wrapped in a {@link CharSequence} that counts character reads and gives up after
 * {@value #READS_PER_CHAR} reads per input character (plus a constant); giving up counts as "no
 * match". Ordinary patterns read each character a few times and never come close.
 */
final class BoundedRegex {
  static final int READS_PER_CHAR = 1024;
  private static final int BASE_READS = 100_000;

  private BoundedRegex() {}

  static boolean fullMatch(Pattern pattern, String input) {
    try {
      return pattern.matcher(new Budgeted(input, BASE_READS + (long) READS_PER_CHAR * input.length())).matches();
    } catch (BudgetExceeded e) {
      return false;
    }
  }

  private static final class BudgetExceeded extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BudgetExceeded() {
      super(null, null, false, false); // no stack trace: this is control flow
    }
  }

  private static final class Budgeted implements CharSequence {
    private final String s;
    private final int offset;
    private final int length;
    private final long[] remaining; // shared with subsequences

    Budgeted(String s, long budget) {
      this(s, 0, s.length(), new long[] {budget});
    }

    private Budgeted(String s, int offset, int length, long[] remaining) {
      this.s = s;
      this.offset = offset;
      this.length = length;
      this.remaining = remaining;
    }

    @Override
    public int length() {
      return length;
    }

    @Override
    public char charAt(int index) {
      if (--remaining[0] < 0) {
        throw new BudgetExceeded();
      }
      if (index < 0 || index >= length) {
        throw new IndexOutOfBoundsException(index);
      }
      return s.charAt(offset + index);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      if (start < 0 || end > length || start > end) {
        throw new IndexOutOfBoundsException("[" + start + ", " + end + ") of " + length);
      }
      return new Budgeted(s, offset + start, end - start, remaining);
    }

    @Override
    public String toString() {
      return s.substring(offset, offset + length);
    }
  }
}
