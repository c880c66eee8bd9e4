package io.trellis.perf.peer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A process's resident memory and CPU time, read from {@code /proc/<pid>/status} (VmRSS) and
 * {@code /proc/<pid>/stat} (utime + stime). Summed over several processes for a proxy pair.
 *
 * @param rssKiB resident set size in KiB
 * @param cpuSeconds user + system CPU time consumed so far
 */
public record ProcUsage(long rssKiB, double cpuSeconds) {

    /**
     * Clock ticks per second of {@code /proc/<pid>/stat}: USER_HZ, which Linux fixes at 100 on
     * every architecture we run on (it is an ABI constant, not the kernel's CONFIG_HZ).
     */
    static final double TICKS_PER_SECOND = 100.0;

    public static ProcUsage of(long pid) throws IOException {
        return of(Path.of("/proc"), pid);
    }

    /** Sums the usage of several processes (the two halves of a proxy pair). */
    public static ProcUsage sum(List<Long> pids) throws IOException {
        long rss = 0;
        double cpu = 0;
        for (long pid : pids) {
            ProcUsage one = of(pid);
            rss += one.rssKiB;
            cpu += one.cpuSeconds;
        }
        return new ProcUsage(rss, cpu);
    }

    static ProcUsage of(Path proc, long pid) throws IOException {
        Path dir = proc.resolve(Long.toString(pid));
        return new ProcUsage(parseRssKiB(Files.readString(dir.resolve("status"))),
                parseCpuSeconds(Files.readString(dir.resolve("stat"))));
    }

    static long parseRssKiB(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.substring("VmRSS:".length()).trim().split("\\s+");
                return Long.parseLong(parts[0]);
            }
        }
        throw new IllegalArgumentException("no VmRSS line in /proc status (a kernel thread or a zombie?)");
    }

    static double parseCpuSeconds(String stat) {
        // The command name (field 2) may hold spaces and parentheses: fields are counted after the last ')'.
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("unexpected /proc stat format: " + stat);
        }
        String[] fields = stat.substring(close + 2).trim().split("\\s+");
        // After ')' come field 3 (state) onwards: utime is field 14, stime field 15.
        long utime = Long.parseLong(fields[14 - 3]);
        long stime = Long.parseLong(fields[15 - 3]);
        return (utime + stime) / TICKS_PER_SECOND;
    }
}
